// Numbers a suite measures in the real VS Code (not asserted: speed is judged by benchmarks),
// carried to the launcher in the result file and printed with the counts.
export const measures: string[] = [];
