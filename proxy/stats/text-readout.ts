// A text readout: a string-valued stat (e.g. server.version).

import { Metric } from './metric';
import type { TextReadout } from './types';

export class TextReadoutImpl extends Metric implements TextReadout {
  value = '';
  used = false;

  set(s: string): void {
    this.value = s;
    this.used = true;
  }
  isUsed(): boolean {
    return this.used;
  }
}
