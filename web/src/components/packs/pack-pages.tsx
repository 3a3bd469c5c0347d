"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { SourceView } from "@/components/packs/source-view";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { parseDiagnostics } from "@/lib/diagnostics";
import { formatDateTime } from "@/lib/format";
import { fetchPacks, fetchPackVersion, fetchPackVersions, keys } from "@/lib/queries";

const linkClass = "font-medium text-primary underline-offset-2 hover:underline";

/** The workspace's challenge packs. */
export function PacksList({ ws }: { ws: string }) {
  const packs = useQuery({ queryKey: keys.packs(ws), queryFn: () => fetchPacks(ws) });
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Challenge packs">
        <Button asChild>
          <Link href={`/w/${ws}/publish-pack`}>Validate or publish</Link>
        </Button>
      </PageHeader>
      <QueryView
        query={packs}
        what="challenge packs"
        empty={{ title: "No challenge packs yet", hint: <>Publish one with <Link className="underline" href={`/w/${ws}/publish-pack`}>Validate or publish</Link>.</> }}
      >
        {(items) => (
          <Table aria-label="Challenge packs" data-testid="packs-table">
            <TableHeader>
              <TableRow>
                <TableHead>Pack</TableHead>
                <TableHead>Slug</TableHead>
                <TableHead>Family</TableHead>
                <TableHead>Latest version</TableHead>
                <TableHead>Updated</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((p) => (
                <TableRow key={p.id} data-slug={p.slug}>
                  <TableCell>
                    <Link className={linkClass} href={`/w/${ws}/packs/${p.slug}`}>
                      {p.name}
                    </Link>
                  </TableCell>
                  <TableCell><code>{p.slug}</code></TableCell>
                  <TableCell>{p.family}</TableCell>
                  <TableCell>{p.latest_version}</TableCell>
                  <TableCell>{formatDateTime(p.updated_at)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryView>
    </div>
  );
}

/** One pack's published versions. */
export function PackVersions({ ws, slug }: { ws: string; slug: string }) {
  const versions = useQuery({ queryKey: keys.packVersions(ws, slug), queryFn: () => fetchPackVersions(ws, slug) });
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title={`Pack ${slug}`} back={<Link href={`/w/${ws}/packs`} className="text-sm text-muted-foreground hover:underline">← Challenge packs</Link>} />
      <QueryView query={versions} what="versions" empty={{ title: "No versions" }}>
        {(items) => (
          <Table aria-label="Versions" data-testid="versions-table">
            <TableHeader>
              <TableRow>
                <TableHead>Version</TableHead>
                <TableHead>Declared</TableHead>
                <TableHead>Content hash</TableHead>
                <TableHead>Published</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {[...items].sort((a, b) => b.version - a.version).map((v) => (
                <TableRow key={v.id}>
                  <TableCell>
                    <Link className={linkClass} href={`/w/${ws}/packs/${slug}/v/${v.version}`}>
                      Version {v.version}
                    </Link>
                  </TableCell>
                  <TableCell>{v.declared_number ?? "—"}</TableCell>
                  <TableCell><code className="text-xs">{v.content_hash.slice(0, 12)}</code></TableCell>
                  <TableCell>{formatDateTime(v.created_at)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryView>
    </div>
  );
}

/** One version's YAML, with the warnings recorded at publish at their lines. */
export function PackVersionView({ ws, slug, version }: { ws: string; slug: string; version: number }) {
  const detail = useQuery({ queryKey: keys.packVersion(ws, slug, version), queryFn: () => fetchPackVersion(ws, slug, version) });
  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        title={`${slug} version ${version}`}
        back={<Link href={`/w/${ws}/packs/${slug}`} className="text-sm text-muted-foreground hover:underline">← Pack {slug}</Link>}
      />
      <QueryView query={detail} what="the version">
        {(v) => (
          <SourceView
            source={v.source_yaml}
            diagnostics={parseDiagnostics(Array.isArray(v.warnings) ? v.warnings : (v.warnings as { diagnostics?: unknown }).diagnostics)}
            label={`YAML of ${slug} version ${version}`}
          />
        )}
      </QueryView>
    </div>
  );
}
