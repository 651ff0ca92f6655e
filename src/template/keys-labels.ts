import { readKeyValues } from "./key-values.js";
import type { KeyReader } from "./service-draft.js";

/** `labels:` list "k=v" or map. Every label is kept as written; aliyun.* ones are read after all keys. */
export const readLabels: KeyReader = (input, draft) => {
  for (const label of readKeyValues(input.ctx, "labels", input.value, input.valueLoc)) {
    // Written twice (possible in the list form): the later one wins, as in compose.
    draft.labels = draft.labels.filter((earlier) => earlier.key !== label.key);
    draft.labels.push(label);
    draft.spec.labels[label.key] = label.value ?? "";
    draft.spec.keyLocs[`labels.${label.key}`] = label.keyLoc;
  }
};
