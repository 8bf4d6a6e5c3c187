() => {
  const out = {small: [], tight: [], contrast: [], targets: [], header: 0, viewport: innerHeight};
  const shown = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && !el.closest('.sr-only') && !(el.closest('.skip') && document.activeElement !== el);
  };
  const ownText = el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const rgba = c => { const m = (c.match(/[\d.]+/g) || []).map(Number); return m.length === 3 ? [...m, 1] : m; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const behind = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 4 && c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
    ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' "' + (el.textContent || el.value || '').trim().slice(0, 24) + '"';
  for (const el of document.body.querySelectorAll('*')) {
    if (!ownText(el) || !shown(el) || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
    const s = getComputedStyle(el), fs = parseFloat(s.fontSize);
    if (fs < 17.95) out.small.push(`${name(el)} ${fs}px`);
    const lh = s.lineHeight === 'normal' ? 1.2 * fs : parseFloat(s.lineHeight);
    if (lh < 1.3 * fs - 0.05) out.tight.push(`${name(el)} ${lh.toFixed(1)}/${fs}px`);
    if (el.closest(':disabled')) continue;
    const bg = behind(el), fg0 = rgba(s.color), a = fg0[3] ?? 1;
    const fg = [0, 1, 2].map(i => fg0[i] * a + bg[i] * (1 - a));
    const l1 = lum(fg), l2 = lum(bg), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) out.contrast.push(`${name(el)} ${ratio.toFixed(2)}`);
  }
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (let el of document.body.querySelectorAll(controls)) {
    if (!shown(el)) continue;
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') {
      const parentText = el.parentElement.textContent.replace(/\s+/g, '');
      if (parentText !== el.textContent.replace(/\s+/g, '')) continue;  // a link in a sentence
    }
    if (el.matches('input[type=radio], input[type=checkbox]') && el.closest('label')) el = el.closest('label');
    const r = el.getBoundingClientRect();
    if (r.width < 59.5 || r.height < 59.5) out.targets.push(`${name(el)} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  const header = document.querySelector('header.topbar');
  out.header = header ? header.getBoundingClientRect().height : 0;
  return out;
}
