/**
 * google.protobuf.FieldMask over proto3 JSON objects, with protobuf's FieldMaskUtil rules: a path
 * is valid when every part names a field and every part but the last is a singular message; a
 * path covers its whole subtree; trimming keeps only covered fields (a trimmed submessage stays,
 * possibly as `{}`). `@type` of an Any is never trimmed.
 */
import type { AdminProtoField } from './admin-target';

export type FieldLookup = (messageType: string, field: string) => AdminProtoField | undefined;

/** `FieldMaskUtil::FromString`: comma-separated, empty segments skipped. */
export function parseFieldMask(text: string): string[] {
  return text.split(',').filter((p) => p !== '');
}

/** protobuf's `FieldMask::DebugString()`, used verbatim in Envoy's error text. */
export function fieldMaskDebugString(paths: readonly string[]): string {
  return paths.map((p) => `paths: ${JSON.stringify(p)}\n`).join('');
}

export function pathFits(lookup: FieldLookup, messageType: string, path: string): boolean {
  let type: string | undefined = messageType;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (type === undefined) return false;
    const f = lookup(type, parts[i]!);
    if (!f) return false;
    type = !f.repeated && f.messageType ? f.messageType : undefined;
  }
  return true;
}

export function maskFits(lookup: FieldLookup, messageType: string, paths: readonly string[]): boolean {
  return paths.every((p) => pathFits(lookup, messageType, p));
}

interface MaskNode {
  /** undefined: a leaf, the whole subtree is kept. */
  children?: Map<string, MaskNode>;
}

function buildTree(paths: readonly string[]): MaskNode {
  const root: MaskNode = { children: new Map() };
  for (const path of paths) {
    let node = root;
    const parts = path.split('.');
    for (let i = 0; i < parts.length; i++) {
      if (!node.children) break; // an ancestor already covers this path
      const part = parts[i]!;
      const last = i === parts.length - 1;
      let child = node.children.get(part);
      if (!child) {
        child = last ? {} : { children: new Map() };
        node.children.set(part, child);
      } else if (last) {
        delete child.children;
      }
      node = child;
    }
  }
  return root;
}

/** A copy of `obj` holding only what `paths` cover. Paths must have been validated. */
export function trimJson(obj: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  return trimNode(obj, buildTree(paths));
}

function trimNode(obj: Record<string, unknown>, node: MaskNode): Record<string, unknown> {
  if (!node.children) return obj;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === '@type') {
      out[k] = v;
      continue;
    }
    const child = node.children.get(k);
    if (!child) continue;
    out[k] = child.children && isObject(v) ? trimNode(v, child) : v;
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
