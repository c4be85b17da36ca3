/** Text shown inside the UI's Markdown (current details): every character Markdown or HTML could act on is escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}
