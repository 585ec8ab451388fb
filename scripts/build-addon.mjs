// Builds the native addon with node-gyp at install time. A failed build is not
// fatal: trainlab then runs on its TypeScript reference backend and prints a warning.
// Set TRAINLAB_REQUIRE_NATIVE=1 to make a failed build fail the install (CI).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

// npm names its bundled node-gyp in lifecycle scripts; outside npm, look for
// the copy that ships with the npm next to this node binary.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"),
  ];
  return candidates.find((path) => path && existsSync(path));
}

// Build against the headers installed with this node when npm names none,
// because node-gyp would otherwise download them, which fails offline.
const args = ["rebuild"];
const prefix = join(dirname(process.execPath), "..");
if (
  !process.env.npm_config_nodedir &&
  existsSync(join(prefix, "include/node/node_api.h"))
) {
  args.push(`--nodedir=${prefix}`);
}

const nodeGyp = findNodeGyp();
const result = nodeGyp
  ? spawnSync(process.execPath, [nodeGyp, ...args], { stdio: "inherit" })
  : spawnSync("node-gyp", args, { stdio: "inherit" });

if (result.status !== 0) {
  const reason = result.error ? ` (${result.error.message})` : "";
  console.warn(
    `trainlab: the native addon did not build${reason}; the reference ` +
      "backend will be used, which is much slower. Install g++, make, " +
      "python3 and libopenblas-dev, then run `npm run build`.",
  );
  if (process.env.TRAINLAB_REQUIRE_NATIVE === "1") process.exit(1);
}
