// The extension registry the server uses: implementations register their config types first,
// then the recognised-only list fills in the rest.
import { ExtensionRegistry } from '../registry/registry';
import { registerRecognised } from '../registry/recognised';

export function createRegistry(): ExtensionRegistry {
  const registry = new ExtensionRegistry();
  registerRecognised(registry);
  return registry;
}
