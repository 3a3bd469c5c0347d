//! `agentclash eval start|scorecard`: the user's loop in one command. `eval
//! start` resolves the pack (slug, name or id, `@N` for a version, else the
//! latest), the input set and the deployments (names or ids), choosing by
//! itself when there is one choice and asking only at a terminal (see
//! [`crate::choose`]); with `--follow` it streams the run live and ends with
//! the ranking, why the winner won, the winner's scorecard and the commands
//! to dig further.
//!
//! Output: with `--follow`, event lines are progress (stderr) and the result
//! is stdout; with `--json`, stdout is NDJSON: every event as the API sent
//! it, then one last `{"end": {"run", "ranking", "scorecard"}}` line.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::account::with_client;
use crate::api::{ApiClient, Run};
use crate::args::{ApiOpts, PackRef, parse_pack_ref};
use crate::choose;
use crate::exit::{self, fail};
use crate::follow::{self, Filter, Human, Printer};
use crate::resources::{self, DEPLOYMENT, find_in_pages};
use crate::run::{NewRun, id_of, pack_version, print_run};
use crate::scores;

/// `agentclash eval ...`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// API options.
    #[command(flatten)]
    pub api: ApiOpts,
    /// Which eval command.
    #[command(subcommand)]
    pub command: EvalCommand,
}

/// The eval commands.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Evaluate deployments head to head on a challenge pack: one lane per
    /// deployment, every lane on the same cases, tools, sandbox and budget.
    Start(StartArgs),
    /// A lane's scorecard: overall and per-dimension scores over its cases.
    Scorecard {
        /// The run's id [default: the newest run].
        run: Option<String>,
        /// The lane: run agent id, label or lane index [default: the winner].
        #[arg(long, value_name = "AGENT")]
        agent: Option<String>,
    },
}

/// `eval start` options.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// The challenge pack: slug, name or id, optionally `@N` for a version
    /// [default: the only pack; latest version].
    #[arg(long, value_name = "PACK[@VERSION]", value_parser = parse_pack_ref)]
    pub pack: Option<PackRef>,
    /// Input set key [default: the only one, else asked, else the first].
    #[arg(long, value_name = "KEY")]
    pub input_set: Option<String>,
    /// A deployment (id or name); repeat for more lanes [default: the only
    /// one, else asked at a terminal].
    #[arg(long = "deployment", value_name = "ID_OR_NAME")]
    pub deployments: Vec<String>,
    /// Only this case (repeatable, kept in order) [default: every case].
    #[arg(long = "case", value_name = "KEY")]
    pub cases: Vec<String>,
    /// Name of the run [default: "<pack> v<version>"].
    #[arg(long)]
    pub name: Option<String>,
    /// Stream the run live, then print the ranking and the winner's
    /// scorecard; exit 0 only if the run completed.
    #[arg(long)]
    pub follow: bool,
    /// With --follow: give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1800, requires = "follow")]
    pub timeout: u64,
    /// Never prompt: fail with a usage error when a choice is needed.
    #[arg(long)]
    pub non_interactive: bool,
}

/// Runs one eval command.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    with_client(args.api, |client, settings, json| async move {
        let ws = settings.require_workspace()?.to_owned();
        match args.command {
            EvalCommand::Start(start) => self::start(&client, &ws, start, json).await,
            EvalCommand::Scorecard { run, agent } => {
                let run = match run {
                    Some(id) => id,
                    None => newest_run(&client, &ws).await?,
                };
                scores::scorecard(&client, &ws, &run, agent.as_deref(), json).await
            }
        }
    })
}

/// The id of the workspace's newest run.
async fn newest_run(client: &ApiClient, ws: &str) -> anyhow::Result<String> {
    let page = client
        .get_query(
            &["v1", "workspaces", ws, "runs"],
            &[("limit", Some("1".to_owned()))],
        )
        .await?;
    id_of(&page["items"][0]).map_err(|_| {
        fail(
            exit::NOT_FOUND,
            "this workspace has no run yet: start one with `agentclash eval start --follow`",
        )
    })
}

async fn start(
    client: &ApiClient,
    ws: &str,
    args: StartArgs,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let interactive = choose::interactive(args.non_interactive);
    let pack = resolve_pack(client, ws, args.pack, interactive).await?;
    let version = pack_version(client, ws, &pack).await?;
    let number = version["version"].as_i64().unwrap_or_default();
    let input_set = match args.input_set {
        Some(key) => key,
        None => pick_input_set(client, ws, &pack.slug, number, interactive).await?,
    };
    let deployment_ids = resolve_deployments(client, ws, &args.deployments, interactive).await?;
    let new = NewRun {
        pack_version_id: id_of(&version)?,
        deployment_ids,
        input_set: Some(input_set.clone()),
        cases: args.cases,
        name: args.name,
    };
    let created = crate::run::create(client, ws, new).await?;
    let run = client.get_run(ws, &created.id).await?;
    let labels: Vec<String> = run
        .lanes()
        .iter()
        .map(|l| crate::output::cell(&l["label"]))
        .collect();
    eprintln!(
        "run {} started: {} v{number}, input set `{input_set}`, lanes: {}",
        run.id,
        pack.slug,
        labels.join(", ")
    );
    if !args.follow {
        print_run(&run, json)?;
        eprintln!("follow it with: agentclash run events {} --follow", run.id);
        return Ok(ExitCode::SUCCESS);
    }
    let limit = Duration::from_secs(args.timeout);
    let printer = Printer {
        filter: Filter::default(),
        json,
        human: Human::Stderr,
        line: follow::compact,
    };
    let streamed = follow::print_events(client, ws, &run, &printer);
    let status = tokio::time::timeout(limit, streamed).await.map_err(|_| {
        fail(
            exit::ERROR,
            format!(
                "run {} did not finish within {} s; it goes on: `agentclash run get {}`",
                run.id, args.timeout, run.id
            ),
        )
    })??;
    summarize(client, ws, &run.id, json).await?;
    Ok(follow::exit_for(&status))
}

/// The end of `eval start --follow`: the run, its ranking and the
/// winner's scorecard (`--json`: one `{"end": …}` line), then the commands
/// to look closer.
async fn summarize(client: &ApiClient, ws: &str, id: &str, json: bool) -> anyhow::Result<()> {
    let run = client.get_run(ws, id).await?;
    let ranking = if run.status == "completed" {
        Some(scores::fetch_ranking(client, ws, id).await?)
    } else {
        None
    };
    let winner = ranking.as_ref().and_then(|r| scores::top_lane(r).ok());
    let card = match &winner {
        Some(lane) => Some(scores::fetch_scorecard(client, ws, lane).await?),
        None => None,
    };
    if json {
        out!(
            "{}",
            json!({ "end": { "run": run, "ranking": ranking, "scorecard": card } })
        );
        return Ok(());
    }
    print_run(&run, false)?;
    if let (Some(ranking), Some(winner), Some(card)) = (&ranking, &winner, &card) {
        out!();
        scores::print_ranking(&run, ranking);
        out!();
        out!("the winner's scorecard:");
        scores::print_scorecard(&run.lane_label(winner), card);
        out!();
        print_next(&run, winner);
    }
    Ok(())
}

/// The commands that open the winner's replay, the other lanes'
/// scorecards and their comparison with the winner.
fn print_next(run: &Run, winner: &str) {
    let winner_label = run.lane_label(winner);
    out!("next:");
    out!(
        "  agentclash replay get {} --agent {}",
        run.id,
        shell_word(&winner_label)
    );
    for lane in run.lanes() {
        if lane["id"].as_str() != Some(winner)
            && let Some(label) = lane["label"].as_str()
        {
            out!(
                "  agentclash eval scorecard {} --agent {}",
                run.id,
                shell_word(label)
            );
            out!(
                "  agentclash compare runs {} {}",
                shell_word(&format!("{}/{label}", run.id)),
                shell_word(&format!("{}/{winner_label}", run.id))
            );
        }
    }
}

/// `word` as one shell word: as is when safe, else single-quoted.
pub fn shell_word(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@:+=".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The pack `given` names (slug, id, or else name), or the workspace's
/// only pack, or the one chosen at the prompt; the version stays as given.
async fn resolve_pack(
    client: &ApiClient,
    ws: &str,
    given: Option<PackRef>,
    interactive: bool,
) -> anyhow::Result<PackRef> {
    let packs = find_in_pages(client, &["v1", "workspaces", ws, "challenge-packs"], |_| {
        true
    })
    .await?;
    let slugs: Vec<String> = packs
        .iter()
        .map(|p| crate::output::cell(&p["slug"]))
        .collect();
    let Some(given) = given else {
        let labels: Vec<String> = packs
            .iter()
            .map(|p| {
                format!(
                    "{} — {} (v{})",
                    crate::output::cell(&p["slug"]),
                    crate::output::cell(&p["name"]),
                    crate::output::cell(&p["latest_version"])
                )
            })
            .collect();
        let index = choose::one("challenge pack", "--pack", &labels, interactive)?;
        return Ok(PackRef {
            slug: slugs[index].clone(),
            version: None,
        });
    };
    let by = |field: &str| -> Vec<&Value> {
        packs
            .iter()
            .filter(|p| p[field].as_str() == Some(given.slug.as_str()))
            .collect()
    };
    let mut found = by("slug");
    found.extend(by("id"));
    if found.is_empty() {
        found = by("name");
    }
    match found.as_slice() {
        [one] => Ok(PackRef {
            slug: crate::output::cell(&one["slug"]),
            version: given.version,
        }),
        [] => Err(fail(
            exit::NOT_FOUND,
            format!(
                "--pack: no challenge pack `{}` in this workspace (packs: {})",
                given.slug,
                if slugs.is_empty() {
                    "none yet; publish one with `agentclash challenge-pack publish FILE`".to_owned()
                } else {
                    slugs.join(", ")
                }
            ),
        )),
        _ => Err(fail(
            exit::VALIDATION,
            format!(
                "--pack: several packs are named `{}`: give the slug",
                given.slug
            ),
        )),
    }
}

/// The input set to run: the only one, else the one chosen at the prompt,
/// else the version's first (what the API would use), said on stderr.
async fn pick_input_set(
    client: &ApiClient,
    ws: &str,
    slug: &str,
    version: i64,
    interactive: bool,
) -> anyhow::Result<String> {
    let number = version.to_string();
    let sets = client
        .get(&[
            "v1",
            "workspaces",
            ws,
            "challenge-packs",
            slug,
            "versions",
            &number,
            "input-sets",
        ])
        .await?;
    let sets = sets["items"].as_array().cloned().unwrap_or_default();
    let keys: Vec<String> = sets
        .iter()
        .map(|s| crate::output::cell(&s["key"]))
        .collect();
    if keys.len() > 1 && !interactive {
        eprintln!(
            "input set `{}` (the first of {}; choose with --input-set)",
            keys[0],
            keys.join(", ")
        );
        return Ok(keys[0].clone());
    }
    let labels: Vec<String> = sets
        .iter()
        .map(|s| {
            let cases = s["cases"].as_array().map_or(0, Vec::len);
            format!("{} — {} case(s)", crate::output::cell(&s["key"]), cases)
        })
        .collect();
    let index = choose::one("input set", "--input-set", &labels, interactive)?;
    Ok(keys[index].clone())
}

/// The ids of the deployments named, or of the workspace's only
/// (unarchived) deployment, or of those chosen at the prompt.
async fn resolve_deployments(
    client: &ApiClient,
    ws: &str,
    given: &[String],
    interactive: bool,
) -> anyhow::Result<Vec<String>> {
    if !given.is_empty() {
        let mut ids = Vec::with_capacity(given.len());
        for reference in given {
            ids.push(resources::resolve(client, ws, DEPLOYMENT, reference).await?);
        }
        return Ok(ids);
    }
    let deployments = find_in_pages(client, &["v1", "workspaces", ws, DEPLOYMENT.path], |d| {
        d["archived_at"].is_null()
    })
    .await?;
    let labels: Vec<String> = deployments
        .iter()
        .map(|d| crate::output::cell(&d["name"]))
        .collect();
    choose::many("deployment", "--deployment", &labels, interactive)?
        .into_iter()
        .map(|i| id_of(&deployments[i]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("rpn-correct"), "rpn-correct");
        assert_eq!(shell_word("rpn correct"), "'rpn correct'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
