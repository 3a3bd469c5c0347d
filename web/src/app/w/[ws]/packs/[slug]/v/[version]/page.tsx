"use client";
import { useParams } from "next/navigation";
import { PackVersionView } from "@/components/packs/pack-pages";

export default function PackVersionPage() {
  const { ws, slug, version } = useParams<{ ws: string; slug: string; version: string }>();
  return <PackVersionView ws={ws} slug={slug} version={Number(version)} />;
}
