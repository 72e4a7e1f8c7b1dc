// Small DOM helpers: elements with text, labelled controls, code blocks and formatted numbers.

/** The element with this id (throws naming the id, so a page/HTML mismatch is obvious). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`Loom Lab: the page has no element #${id}`);
  return e as T;
}

/** `el('p', { class: 'note' }, 'text', child)`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

let uid = 0;
/** A fresh id for label/control pairs. */
export function freshId(prefix: string): string {
  return `${prefix}-${++uid}`;
}

/** A labelled range slider with its value shown beside it. */
export function slider(label: string, o: { min: number; max: number; step: number; value: number; name?: string },
  onInput: (v: number) => void): { root: HTMLElement; input: HTMLInputElement; set(v: number): void } {
  const id = freshId(o.name ?? 'slider');
  const input = el('input', { type: 'range', id, min: String(o.min), max: String(o.max), step: String(o.step), value: String(o.value) });
  if (o.name) input.dataset.control = o.name;
  const out = el('output', { for: id }, fmt(o.value));
  const update = (): void => {
    out.textContent = fmt(Number(input.value));
    onInput(Number(input.value));
  };
  input.addEventListener('input', update);
  const root = el('div', { class: 'control' }, el('label', { for: id }, label), input, out);
  return { root, input, set: (v) => { input.value = String(v); update(); } };
}

/** A labelled select. */
export function select(label: string, options: readonly (string | [string, string])[], value: string,
  onChange: (v: string) => void, name?: string): { root: HTMLElement; input: HTMLSelectElement } {
  const id = freshId(name ?? 'select');
  const input = el('select', { id });
  if (name) input.dataset.control = name;
  for (const o of options) {
    const [v, text] = typeof o === 'string' ? [o, o] : o;
    input.append(el('option', { value: v }, text));
  }
  input.value = value;
  input.addEventListener('change', () => onChange(input.value));
  return { root: el('div', { class: 'control' }, el('label', { for: id }, label), input), input };
}

/** A code block. */
export function code(text: string, lang = 'ts'): HTMLElement {
  return el('pre', { class: `code lang-${lang}`, tabindex: '0' }, el('code', {}, text));
}

/** Numbers for people: 4 significant digits, no exponent for ordinary sizes. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(digits)));
  return v.toExponential(digits - 1);
}

/** A table from a header row and rows, for data-table alternatives and results. */
export function table(caption: string, head: readonly string[], rows: readonly (readonly (string | number)[])[]): HTMLTableElement {
  const t = el('table');
  t.append(el('caption', {}, caption));
  const thead = el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h))));
  const tbody = el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', {}, typeof c === 'number' ? fmt(c) : c)))));
  t.append(thead, tbody);
  return t;
}
