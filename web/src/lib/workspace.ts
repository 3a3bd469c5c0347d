"use client";
// The workspace the user last opened, kept in this browser.

const KEY = "agentclash.workspace";

/** The last workspace id opened in this browser, if any. */
export function rememberedWorkspace(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Remembers the workspace so the home page reopens it. */
export function rememberWorkspace(id: string): void {
  try {
    window.localStorage.setItem(KEY, id);
  } catch {
    // Storage may be disabled; the switcher still works.
  }
}
