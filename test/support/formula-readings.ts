/**
 * Device readings whose text a spreadsheet would run as a formula (OWASP CSV injection), beside
 * numbers that start with `-` and must stay numbers: for the console's CSV downloads' tests.
 */
export const FORMULA_READINGS: [device: string, value: number][] = [
  ['=HYPERLINK("http://x")', -3.5],
  ['+1', -1],
  ['-2', 0],
  ['@SUM(A1)', 2],
  ['\tlead', -0.25],
  ['\rlead', 4],
  ['plain, with a comma', 5],
];
