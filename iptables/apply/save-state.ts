// Reads iptables-save output into what reconciliation needs: the ISTIO_* chains of each table with their
// rule lines, and the rules elsewhere that jump into them. Rules are kept in iptables-save's own
// spelling (e.g. "-m tcp --dport"), which iptables-restore accepts back for -D.

export interface TableState {
  /** ISTIO_* chain -> its rule lines ("-A ISTIO_X ..."). */
  readonly istioChains: Map<string, string[]>;
  /** Rules in other chains whose target is an ISTIO_* chain. */
  readonly istioJumps: string[];
}

export type SaveState = Map<string, TableState>;

function jumpTarget(line: string): string | undefined {
  const fields = line.split(/\s+/);
  const i = fields.findIndex((f) => f === '-j' || f === '--jump' || f === '-g' || f === '--goto');
  return i >= 0 ? fields[i + 1]?.replace(/^['"]|['"]$/g, '') : undefined;
}

export function parseSave(text: string): SaveState {
  const state: SaveState = new Map();
  let table: TableState | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      table = state.get(name) ?? { istioChains: new Map(), istioJumps: [] };
      state.set(name, table);
      continue;
    }
    if (!table) continue;
    if (line.startsWith(':ISTIO_')) {
      const chain = line.slice(1).split(/\s+/)[0];
      if (!table.istioChains.has(chain)) table.istioChains.set(chain, []);
      continue;
    }
    const m = /^-A\s+(\S+)/.exec(line);
    if (!m) continue;
    const chain = m[1];
    if (chain.startsWith('ISTIO_')) {
      const list = table.istioChains.get(chain) ?? [];
      list.push(line);
      table.istioChains.set(chain, list);
    } else if (jumpTarget(line)?.startsWith('ISTIO_')) {
      table.istioJumps.push(line);
    }
  }
  return state;
}

export function hasIstioResidue(state: SaveState): boolean {
  return [...state.values()].some((t) => t.istioChains.size > 0 || t.istioJumps.length > 0);
}
