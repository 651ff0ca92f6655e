/**
 * Splits a `command:`/`entrypoint:` string into argv the way compose does (POSIX shell
 * quoting, no expansion): `sh -c "echo 'x' > f"` → ["sh", "-c", "echo 'x' > f"].
 */
export function splitShellWords(text: string): { words: string[] } | { problem: string } {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "\\") {
      if (i + 1 < text.length) word += text[++i];
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close === -1) return { problem: `unclosed ' quote in '${text}'` };
      word += text.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      const read = readDoubleQuoted(text, i + 1);
      if (!read) return { problem: `unclosed " quote in '${text}'` };
      word += read.value;
      i = read.close;
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return { words };
}

/** Inside double quotes a backslash escapes only \ " $ ` and newline, as in sh. */
function readDoubleQuoted(text: string, from: number): { value: string; close: number } | null {
  let value = "";
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { value, close: i };
    if (c === "\\" && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1])) value += text[++i];
    else value += c;
  }
  return null;
}
