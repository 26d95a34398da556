// Drives @huggingface/hub (installed by build/prereqs/20-arrow-npm.sh) against the fake Hub (HuggingFaceHubJs.RunAsync):
//   node hf-hub-cache.cjs snapshot HUB_URL CACHE_DIR REPO REVISION        snapshotDownload
//   node hf-hub-cache.cjs file HUB_URL CACHE_DIR REPO REVISION PATH       downloadFileToCacheDir
//   node hf-hub-cache.cjs resolve HUB_URL CACHE_DIR REPO BRANCH PATH      the cache alone: scanCacheDir reads refs/, then
//                                                                         downloadFileToCacheDir at the commit it names
// The last line printed is JSON: {"path": the snapshot folder or the file's pointer path, "sha256": of the file's bytes};
// resolve adds "commit" (the one refs/BRANCH names) and "warnings" (what scanCacheDir could not read in the cache).
const { snapshotDownload, downloadFileToCacheDir, scanCacheDir } = require("@huggingface/hub");
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");

async function main() {
  const [command, hubUrl, cacheDir, name, revision, path] = process.argv.slice(2);
  const repo = { type: "model", name };
  if (command === "snapshot") {
    const folder = await snapshotDownload({ repo, revision, hubUrl, cacheDir });
    console.log(JSON.stringify({ path: folder }));
  } else if (command === "file") {
    const pointer = await downloadFileToCacheDir({ repo, path, revision, hubUrl, cacheDir });
    const sha256 = createHash("sha256").update(readFileSync(pointer)).digest("hex");
    console.log(JSON.stringify({ path: pointer, sha256 }));
  } else if (command === "resolve") {
    // @huggingface/hub has no offline switch: downloadFileToCacheDir asks the Hub for a branch, and answers from the cache
    // only for a commit id. So the branch is resolved the way its cache scan reports refs, with no request at all.
    const scan = await scanCacheDir(cacheDir);
    const warnings = scan.warnings.map((warning) => String(warning && warning.message ? warning.message : warning));
    const cached = scan.repos.find((r) => r.id.type === "model" && r.id.name === name);
    const named = cached && cached.revisions.find((r) => r.refs.includes(revision));
    if (!named) {
      throw new Error(`no cached revision has the ref ${revision}: ${JSON.stringify({ repos: scan.repos.map((r) => r.id.name), warnings })}`);
    }
    const pointer = await downloadFileToCacheDir({ repo, path, revision: named.commitOid, hubUrl, cacheDir });
    const sha256 = createHash("sha256").update(readFileSync(pointer)).digest("hex");
    console.log(JSON.stringify({ path: pointer, sha256, commit: named.commitOid, warnings }));
  } else {
    throw new Error(`unknown command ${command}`);
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
