#!/usr/bin/env node
// bpmnlint (the rules of .bpmnlintrc) over BPMN files, as JSON for `processes validate`:
// [{"file", "id", "rule", "category", "message"}]. The bpmnlint CLI prints a table for people;
// the validator needs element ids to report FILE:LINE: element-id: message.
// Usage: node bin/bpmnlint-json.js CONFIG FILE...
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const fromRoot = (name) => require(require.resolve(name, { paths: [root] }));
const { BpmnModdle } = fromRoot("bpmn-moddle");
const Linter = fromRoot("bpmnlint/lib/linter");
const NodeResolver = fromRoot("bpmnlint/lib/resolver/node-resolver");

async function main() {
  const [configPath, ...files] = process.argv.slice(2);
  const config = JSON.parse(fs.readFileSync(configPath, "utf-8"));
  const moddle = new BpmnModdle();
  const problems = [];
  for (const file of files) {
    let parsed;
    try {
      parsed = await moddle.fromXML(fs.readFileSync(file, "utf-8"));
    } catch (error) {
      problems.push({ file, id: "", rule: "parse", category: "error", message: "Parse error: " + error.message });
      continue;
    }
    for (const warning of parsed.warnings || []) {
      const id = (warning.element && warning.element.id) || "";
      problems.push({ file, id, rule: "import", category: "error", message: "Import warning: " + warning.message.split(/\n/)[0] });
    }
    // One linter per file, as the bpmnlint CLI does: some rules keep what they saw.
    const linter = new Linter({ config, resolver: new NodeResolver() });
    const reports = await linter.lint(parsed.rootElement);
    for (const [rule, found] of Object.entries(reports)) {
      for (const report of found) {
        problems.push({ file, id: report.id || "", rule, category: report.category, message: report.message });
      }
    }
  }
  process.stdout.write(JSON.stringify(problems));
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\n");
  process.exit(2);
});
