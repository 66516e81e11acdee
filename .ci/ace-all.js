// ace-all.js DIR: Ace by DAISY on every DIR/*.epub from one node process and one headless
// chromium (the `ace` CLI starts node, loads Ace and launches chromium for every EPUB).
//
//   ACE_JS=.../node_modules/@daisy/ace-cli/bin/ace.js node .ci/ace-all.js DIR
//
// Each EPUB goes through the same steps as @daisy/ace-core's `ace()` (unzip, parse, report,
// checker.check with the puppeteer axe runner the CLI uses) minus writing the HTML report; the
// runner is wrapped so its per-EPUB launch/close reuse one browser. Verdict as before: an EPUB
// fails if its report has any assertion with outcome "fail" (each printed with its document,
// impact, rule, description and element) or if Ace cannot check it. ACE_JOBS EPUBs (default
// 2), largest first, are checked at a time; each checks up to 4 documents at a time in tabs.
// Skipped: `*-big-*` EPUBs (stress inputs with one multi-megabyte chapter: Ace's own parsing
// in node takes minutes and gigabytes before axe even starts; EPUBCheck and the script scan
// still check them).
// Exit status 1 if any EPUB failed.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

// chromium's start gets 60 s (the runner's default is 5 s: too short on two busy cores)
process.env.ACE_TIMEOUT_INITIAL = process.env.ACE_TIMEOUT_INITIAL || '60000';
const aceRequire = createRequire(process.env.ACE_JS); // resolve Ace's modules from its install
const coreRequire = createRequire(aceRequire.resolve('@daisy/ace-core'));
const logger = aceRequire('@daisy/ace-logger');
const { EPUB } = coreRequire('@daisy/epub-utils');
const { Report } = coreRequire('@daisy/ace-report');
const checker = coreRequire('./checker/checker.js');
const runner = aceRequire('@daisy/ace-axe-runner-puppeteer');

const JOBS = Number(process.env.ACE_JOBS || 2);
// No limit per EPUB (the CLI ran under `timeout 600`): a 200-chapter book needs more than that on
// two busy cores. Each document has the runner's 240 s for axe and PAGE_LOAD_MS to load.
const PAGE_LOAD_MS = 240000; // as long as the runner gives axe; puppeteer's default is 30 s

// On two busy cores a long chapter can take more than puppeteer's default 30 s to load (seen
// with the `ace` CLI too): every page the runner opens gets PAGE_LOAD_MS for its navigation.
const puppeteer = createRequire(aceRequire.resolve('@daisy/ace-axe-runner-puppeteer'))('puppeteer');
const launch = puppeteer.launch;
puppeteer.launch = async options => {
  const b = await launch(options);
  const newPage = b.newPage.bind(b);
  b.newPage = async (...args) => {
    const page = await newPage(...args);
    page.setDefaultNavigationTimeout(PAGE_LOAD_MS);
    return page;
  };
  return b;
};

// One browser for all EPUBs: checker.check calls launch()/close() around every EPUB.
let browser = null;
const sharedRunner = {
  ...runner,
  launch: () => (browser = browser || runner.launch()),
  close: async () => {},
};

// Every leaf assertion with outcome "fail", as `  ACE document: impact rule: description [css]`.
function failures(node, doc, out) {
  for (const a of node.assertions || []) {
    const where = (a['earl:testSubject'] || {}).url || doc;
    if (a.assertions) {
      failures(a, where, out);
      continue;
    }
    const r = a['earl:result'] || {};
    if (r['earl:outcome'] !== 'fail') continue;
    const t = a['earl:test'] || {};
    const css = ((r['earl:pointer'] || {}).css || []).join(', ');
    const text = String(r['dct:description'] || t['dct:description'] || '').replace(/\s*\n\s*/g, '; ');
    out.push(`  ACE ${where}: ${t['earl:impact']} ${t['dct:title']}: ${text}${css ? ` [${css}]` : ''}`);
  }
  return out;
}

// Findings that come from a book's source (.ci/ace-source-findings.txt): EPUB, document, rule.
const known = fs
  .readFileSync(path.join(__dirname, 'ace-source-findings.txt'), 'utf8')
  .split('\n')
  .filter(l => l.trim() && !l.startsWith('#'))
  .map(l => l.split('\t'));
const isKnown = (name, line) =>
  known.some(([epub, doc, rule]) => epub === name && line.includes(` ${doc}: `) && line.includes(` ${rule}: `));

async function checkOne(file) {
  const unzipDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ace-'));
  try {
    const epub = new EPUB(file);
    await epub.extract(unzipDir);
    await epub.parse();
    const report = await new Report(epub, undefined, undefined).init(); // as the CLI: no -l
    await checker.check(epub, report, undefined, false, sharedRunner);
    const found = failures(report.json, 'package', []);
    return { verdict: found.length ? `${found.length} violation(s)` : 'violations=0', found };
  } catch (e) {
    return { verdict: 'could not check it', found: [`  ACE ${e && e.message ? e.message.trim() : e}`] };
  } finally {
    fs.rmSync(unzipDir, { recursive: true, force: true });
  }
}

async function main() {
  const dir = process.argv[2];
  // largest first, so that no long book is left for one worker at the end
  const size = n => fs.statSync(path.join(dir, n)).size;
  const names = fs.readdirSync(dir).filter(n => n.endsWith('.epub')).sort((a, b) => size(b) - size(a));
  logger.initLogger({ silent: true, fileName: 'ace-ci.log' });
  let failed = 0;
  let skipped = 0;
  let next = 0;
  const t0 = Date.now();
  async function worker() {
    while (next < names.length) {
      const name = names[next++];
      if (/-big-/.test(name)) {
        console.log(`${name}: ace skipped (stress input)`);
        skipped++;
        continue;
      }
      const t = Date.now();
      const { verdict, found: all } = await checkOne(path.join(dir, name));
      const found = all.filter(l => !isKnown(name, l));
      const from = all.filter(l => isKnown(name, l)).map(l => `${l} (from the source: .ci/ace-source-findings.txt)`);
      if (found.length) failed++;
      const line = found.length ? `${found.length} violation(s)` : all.length ? 'violations=0 besides the source\'s own' : verdict;
      console.log([`${name}: ace ${line} (${((Date.now() - t) / 1000).toFixed(1)} s)`, ...found, ...from].join('\n'));
    }
  }
  await Promise.all(Array.from({ length: JOBS }, worker));
  if (browser) await browser.then(() => runner.close(), () => {});
  const s = Math.round((Date.now() - t0) / 1000);
  console.log(`ace: ${failed} of ${names.length - skipped} EPUBs failed, ${skipped} skipped (${s} s)`);
  process.exit(failed || names.length === 0 ? 1 : 0);
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
