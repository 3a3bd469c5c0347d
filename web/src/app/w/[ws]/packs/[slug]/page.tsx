"use client";
import { useParams } from "next/navigation";
import { PackVersions } from "@/components/packs/pack-pages";

export default function PackPage() {
  const { ws, slug } = useParams<{ ws: string; slug: string }>();
  return <PackVersions ws={ws} slug={slug} />;
}
