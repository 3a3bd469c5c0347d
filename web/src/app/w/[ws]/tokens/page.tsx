"use client";
import { TokensView } from "@/components/settings/tokens-view";

export default function TokensPage() {
  return <TokensView />;
}
