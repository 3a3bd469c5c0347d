"use client";
import Link from "next/link";
import { useParams } from "next/navigation";
import { PublishForm } from "@/components/packs/publish-form";
import { PageHeader } from "@/components/ui/page-header";

export default function PublishPackPage() {
  const { ws } = useParams<{ ws: string }>();
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title="Validate or publish a pack"
        back={<Link href={`/w/${ws}/packs`} className="text-sm text-muted-foreground hover:underline">← Challenge packs</Link>}
      />
      <PublishForm ws={ws} />
    </div>
  );
}
