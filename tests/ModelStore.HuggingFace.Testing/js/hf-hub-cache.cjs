// Drives @huggingface/hub (installed by build/prereqs/20-arrow-npm.sh) against the fake Hub (HuggingFaceHubJs.RunAsync):
//   node hf-hub-cache.cjs snapshot HUB_URL CACHE_DIR REPO REVISION        snapshotDownload
//   node hf-hub-cache.cjs file HUB_URL CACHE_DIR REPO REVISION PATH       downloadFileToCacheDir
// The last line printed is JSON: {"path": the snapshot folder or the file's pointer path, "sha256": of the file's bytes}.
const { snapshotDownload, downloadFileToCacheDir } = require("@huggingface/hub");
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
  } else {
    throw new Error(`unknown command ${command}`);
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
