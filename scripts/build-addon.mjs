// Builds the native addon with node-gyp at install time. A failed build is not
// fatal: trainlab then runs on its TypeScript reference backend and says so.
// Set TRAINLAB_REQUIRE_NATIVE=1 to make a failed build fail the install (CI).
import { spawnSync } from "node:child_process";

const result = spawnSync("node-gyp", ["rebuild"], {
  stdio: "inherit",
  shell: process.platform === "win32",
});
if (result.status !== 0) {
  const message =
    "trainlab: the native addon did not build (needs g++, make, python3 and " +
    "libopenblas-dev); the slower reference backend will be used. " +
    "Install those, then run `npm run build`.";
  console.warn(message);
  if (process.env.TRAINLAB_REQUIRE_NATIVE === "1") process.exit(1);
}
