// The extension registry the server uses: implementations register their config types first,
// then the recognised-only list fills in the rest.
import { ExtensionRegistry } from '../registry/registry';
import { registerRecognised } from '../registry/recognised';
import { registerHttp } from '../http/register';
import { registerNetworkFilters } from '../network/register';
import { registerListenerFilters } from '../listener/filters/register';

export function createRegistry(): ExtensionRegistry {
  const registry = new ExtensionRegistry();
  registerHttp(registry);
  registerNetworkFilters(registry);
  registerListenerFilters(registry);
  registerRecognised(registry);
  return registry;
}
