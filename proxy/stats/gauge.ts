// A gauge: a current value that goes up and down.

import { Metric } from './metric';
import type { Gauge } from './types';

export class GaugeImpl extends Metric implements Gauge {
  value = 0;
  used = false;

  set(n: number): void {
    this.value = n;
    this.used = true;
  }
  add(n: number): void {
    this.value += n;
    this.used = true;
  }
  sub(n: number): void {
    this.value -= n;
    this.used = true;
  }
  inc(): void {
    this.value++;
    this.used = true;
  }
  dec(): void {
    this.value--;
    this.used = true;
  }
  isUsed(): boolean {
    return this.used;
  }
}
