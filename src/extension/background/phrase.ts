/** A random personal phrase at install (issue 4): shown by the in-page indicator, which a page cannot forge. */
const WORDS = [
  'amber', 'birch', 'cobalt', 'dune', 'ember', 'fjord', 'garnet', 'harbor', 'iris', 'juniper', 'kestrel', 'lagoon',
  'maple', 'nimbus', 'orchid', 'pebble', 'quartz', 'raven', 'saffron', 'thistle', 'umber', 'violet', 'willow',
  'yarrow', 'zephyr', 'lantern', 'meadow', 'copper', 'falcon', 'glacier', 'heron', 'indigo',
];

export function randomPhrase(random: (n: number) => Uint8Array): string {
  const b = random(4);
  const w = (i: number) => WORDS[b[i]! % WORDS.length]!;
  return `${w(0)} ${w(1)} ${w(2)} ${10 + (b[3]! % 90)}`;
}
