#!/usr/bin/env node
// Restores the lock entries of platform-specific optional packages (Next's
// SWC, Tailwind's oxide) for platforms whose builds the registry mirror of
// this workplace does not serve. npm leaves them out of package-lock.json
// then, and `npm ci` rejects such a lock as out of sync; with the entries
// (os/cpu set, as npm writes them elsewhere) every platform installs only its
// own build. Run after `npm install` changed the lock.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const lockPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "package-lock.json");
const lock = JSON.parse(await readFile(lockPath, "utf8"));
const packages = lock.packages;

/** os and cpu of a platform package, from its name's suffix. */
function platformOf(name) {
  const suffix = name.split("/").pop() ?? "";
  const os = ["darwin", "win32", "linux", "freebsd", "android"].find((o) => suffix.includes(`-${o}-`));
  const cpu = ["arm64", "x64", "arm", "ia32", "wasm32"].find((c) => new RegExp(`(^|-)${c}(-|$)`).test(suffix));
  if (!cpu) return null;
  const entry = { cpu: [cpu] };
  if (os) entry.os = [os];
  if (suffix.includes("-musl")) entry.libc = ["musl"];
  else if (suffix.includes("-gnu")) entry.libc = ["glibc"];
  return entry;
}

let added = 0;
for (const [location, pkg] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] || packages[`${location}/${key}`]) continue;
    const platform = platformOf(name);
    if (!platform || !/^\d+\.\d+\.\d+$/.test(range)) continue;
    packages[key] = { version: range, ...platform, optional: true, engines: { node: ">= 10" }, license: "MIT" };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
await writeFile(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: added ${added} platform package entries`);
