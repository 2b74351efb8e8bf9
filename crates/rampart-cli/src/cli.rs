//! The command-line contract (see the README): commands, flags and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rampart_core::Severity;
use rampart_core::netpol::{Aggregate, Protocol};
use rampart_core::pss::{Level, LevelVersion, Version};

/// Keeps Kubernetes clusters and containers safe: hardening rules, Pod Security
/// Standards, PodSecurityPolicy and NetworkPolicy, exactly as Kubernetes evaluates them.
#[derive(Debug, Parser)]
#[command(name = "rampart", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output: auto colours a terminal unless NO_COLOR is set
    /// (CLICOLOR_FORCE colours even a pipe); always also colours text written to files.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// The process-wide choice every printer follows.
    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            Self::Auto => anstream::ColorChoice::Auto,
            Self::Always => anstream::ColorChoice::Always,
            Self::Never => anstream::ColorChoice::Never,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint manifests for container and cluster hardening problems.
    Scan(ScanArgs),
    /// Repair findings in place with minimal edits that keep comments and style: prints
    /// a unified diff, or edits the files with --write.
    Fix(FixArgs),
    /// Audit a live Docker host through the Engine API, as Docker Bench does: the daemon,
    /// every container (running or not) and every image, with the rules of `scan`.
    Docker(DockerArgs),
    /// Audit a live Kubernetes cluster through its API server: every object the rules
    /// read (workloads, RBAC, NetworkPolicies, namespaces and their Pod Security labels,
    /// nodes), the control plane's mirror pods and each node's kubelet configuration,
    /// with the rules of `scan`.
    Cluster(ClusterArgs),
    /// Evaluate pods and workloads against the Pod Security Standards, exactly as Pod
    /// Security Admission does.
    Pss(PssArgs),
    /// PodSecurityPolicy admission as Kubernetes 1.24 did it: policy selection,
    /// defaulting (with a JSONPatch) and validation.
    Psp(PspArgs),
    /// Evaluate NetworkPolicies: reachability matrix, one connection, explanations,
    /// isolation; judge observed flows and generate policies from them.
    #[command(subcommand)]
    Netpol(NetpolCommand),
    /// Every security setting in force for each container (user, privileges,
    /// capabilities, profiles, host access, service-account token): its value, where it
    /// comes from and the line that set it.
    Explain(ExplainArgs),
    /// List the rule catalogue, or explain one rule.
    Rules(RulesArgs),
    /// Run the HTTPS admission webhook (Pod Security, PodSecurityPolicy, catalogue rules).
    Serve(ServeArgs),
    /// Create a CA and a serving certificate for the webhook's Service, or a new serving
    /// certificate from an existing CA.
    Certs(CertsArgs),
    /// Known vulnerabilities of container images (OS and language packages matched
    /// offline against OSV data), their configuration judged by the image rules, and
    /// their set-id and world-writable files.
    Image(ImageArgs),
    /// Vulnerability data: what an OSV database directory holds, and how old it is.
    #[command(subcommand)]
    Db(DbCommand),
    /// Print the shell completion script for SHELL.
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one page per command into a directory.
    Man(ManArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImageFormat {
    Text,
    Json,
    Sarif,
    Junit,
    /// A CycloneDX 1.5 SBOM (JSON) with the vulnerabilities found.
    Cyclonedx,
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Images to read: docker-archive:PATH[:TAG], oci-archive:PATH[:REF], oci:DIR[:REF],
    /// dir:ROOTFS, docker-daemon:NAME[:TAG], docker://HOST[:PORT]/REPO[:TAG|@DIGEST], or a
    /// path (an archive, an OCI layout or a root file system, told apart by content).
    #[arg(value_name = "TARGET", required = true)]
    pub targets: Vec<String>,
    /// The vulnerability database directory [default: $RAMPART_DB, else rampart/db in
    /// the user cache directory].
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Output format (of standard output, and of each --output given without one).
    #[arg(long, value_enum, default_value_t = ImageFormat::Text)]
    pub format: ImageFormat,
    /// Write the report to FILE instead of standard output; FORMAT=FILE writes that
    /// format there. Repeatable: `--output cyclonedx=sbom.json --output sarif=image.sarif
    /// --output text=-` (`-` is standard output). A report that only goes to files leaves
    /// a one-line summary on standard error.
    #[arg(long, short, value_name = "[FORMAT=]FILE", value_parser = parse_output::<ImageFormat>)]
    pub output: Vec<OutputTarget<ImageFormat>>,
    /// Show only vulnerabilities and findings of these severities (comma-separated; an
    /// unrated vulnerability counts as low). The others are left out of every output,
    /// its summary and the exit code.
    #[arg(long, value_name = "LEVEL[,LEVEL]", value_delimiter = ',', value_parser = parse_severity)]
    pub severity: Vec<Severity>,
    /// Exit 1 when a vulnerability or finding is at or above this severity (an
    /// unrated vulnerability counts as low) [default: low, or the config's fail-on].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Leave out vulnerabilities that have no fixed version yet.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Configuration file (rule selection and severities for the image rules)
    /// [default: .rampart.yaml in the current directory, if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The platform read from multi-platform images.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", default_value = "linux/amd64")]
    pub platform: rampart_image::Platform,
    /// A registry spoken to over plain HTTP (repeatable).
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registries: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Records per ecosystem, withdrawn and skipped counts, the newest `modified` date
    /// and the data's age (a warning past 7 days). Builds the index if it is missing or
    /// out of date.
    Info(DbInfoArgs),
}

#[derive(Debug, Args)]
pub struct DbInfoArgs {
    /// The database directory: OSV JSON or YAML files in any layout and/or OSV's
    /// per-ecosystem all.zip archives [default: $RAMPART_DB, else rampart/db in the user
    /// cache directory].
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write rampart.1 and a page per command (rampart-scan.1, rampart-netpol-matrix.1...)
    /// into DIR instead of printing rampart.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum NetpolCommand {
    /// Pod x pod reachability per port and protocol (rows are sources): --port, or every
    /// port the pods declare.
    Matrix(NetpolArgs),
    /// Can --from reach --to on --port? Exit 1 when denied.
    Query(NetpolArgs),
    /// The same as query, in sentences: which policies select each side, which rules allow.
    Explain(NetpolArgs),
    /// Pods isolated in each direction, pods left open, namespaces without a default deny.
    Isolation(NetpolArgs),
    /// Judge observed flows (Hubble, Suricata EVE, Zeek conn.log, AWS VPC flow logs, CSV)
    /// by the policies: denied flows, egress leaving the cluster, metadata access,
    /// allowed paths never used. Exit 1 when an observed flow is denied.
    Flows(FlowsArgs),
    /// Least-privilege NetworkPolicies allowing exactly the observed flows, one per
    /// workload, with the engine's proof. Exit 1 when the proof fails.
    Generate(GenerateArgs),
}

/// What `netpol flows` and `netpol generate` read.
#[derive(Debug, Args)]
pub struct FlowInputArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Flow logs: files, directories (every file in them) or `-` for standard input. The
    /// format of each is recognised by its content.
    #[arg(long = "flows", value_name = "FILE", num_args = 1.., required = true)]
    pub flows: Vec<PathBuf>,
    /// Whether ipBlock peers match pod IPs (see `netpol matrix`).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub ipblock_pod_ips: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowsFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct FlowsArgs {
    #[command(flatten)]
    pub common: FlowInputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FlowsFormat::Text)]
    pub format: FlowsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// The policies as YAML for `kubectl apply -f` (the proof on standard error and in a
    /// comment at the top).
    Yaml,
    /// The policies and the proof as JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub common: FlowInputArgs,
    /// Namespaces whose workloads get a policy (repeatable) [default: every namespace
    /// with a workload in the input].
    #[arg(short = 'n', long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,
    /// Widen addresses outside the cluster to their /V4 (IPv4) and /V6 (IPv6, default 64)
    /// networks instead of one ipBlock per address.
    #[arg(long, value_name = "V4[,V6]", value_parser = parse_aggregate)]
    pub aggregate: Option<Aggregate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GenerateFormat::Yaml)]
    pub format: GenerateFormat,
}

fn parse_aggregate(text: &str) -> Result<Aggregate, String> {
    let (v4, v6) = text.split_once(',').unwrap_or((text, "64"));
    let length = |t: &str, max: u8| {
        t.trim()
            .parse::<u8>()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| format!("{t:?} is not a prefix length of 0 to {max}"))
    };
    Ok(Aggregate {
        v4: length(v4, 32)?,
        v6: length(v6, 128)?,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NetpolFormat {
    Text,
    Json,
    /// Graphviz (matrix only).
    Dot,
}

#[derive(Debug, Args)]
pub struct NetpolArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Read the pods, namespaces, nodes and NetworkPolicies from the live cluster (as
    /// `rampart cluster` does, with the pods' live IPs) instead of PATHs.
    #[arg(long)]
    pub cluster: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Source: namespace/pod (a Pod, or a workload named after it) or an IP address.
    #[arg(long, value_name = "NS/POD|IP")]
    pub from: Option<String>,
    /// Destination: namespace/pod or an IP address (a Node's InternalIP is that node).
    #[arg(long, value_name = "NS/POD|IP")]
    pub to: Option<String>,
    /// Destination port: a number, or a container port name of the destination (each
    /// destination's own number for that name) [default: matrix, every port the pods
    /// declare, one matrix each; query and explain, 80].
    #[arg(long, value_name = "N|NAME")]
    pub port: Option<String>,
    /// Protocol [default: TCP; matrix without --port, the protocols the ports declare].
    #[arg(long, value_name = "TCP|UDP|SCTP", value_parser = parse_protocol)]
    pub protocol: Option<Protocol>,
    /// Whether ipBlock peers match pod IPs (implementation-defined; true as in the
    /// upstream e2e suite and Calico, false as in Cilium).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    pub ipblock_pod_ips: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = NetpolFormat::Text)]
    pub format: NetpolFormat,
}

impl NetpolArgs {
    /// The port of a query: `--port`, 80 by default.
    pub fn query_port(&self) -> &str {
        self.port.as_deref().unwrap_or("80")
    }

    /// The protocol: `--protocol`, TCP by default.
    pub fn protocol(&self) -> Protocol {
        self.protocol.unwrap_or(Protocol::Tcp)
    }
}

fn parse_protocol(text: &str) -> Result<Protocol, String> {
    Protocol::parse(&text.to_ascii_uppercase())
        .ok_or_else(|| format!("unknown protocol {text:?}: expected TCP, UDP or SCTP"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Operation {
    Create,
    Update,
}

#[derive(Debug, Args)]
pub struct PspArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Files with the PodSecurityPolicy objects (and, optionally, the RBAC objects that
    /// grant `use` on them). PSPs and RBAC objects among the PATHs count too.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub policies: Vec<PathBuf>,
    /// The requesting user. With no RBAC objects in the input, every user may use every
    /// policy.
    #[arg(long, value_name = "U")]
    pub user: Option<String>,
    /// Groups of the requesting user (repeatable).
    #[arg(long = "group", value_name = "G")]
    pub groups: Vec<String>,
    /// The service account of pods that do not name one (NS/NAME) [default: the pod's
    /// namespace and serviceAccountName, or `default`].
    #[arg(long, value_name = "NS/NAME")]
    pub service_account: Option<String>,
    /// The admission operation.
    #[arg(long, value_enum, default_value_t = Operation::Create)]
    pub operation: Operation,
    /// UPDATE: the stored objects being updated, matched by kind, namespace and name.
    /// Without it an UPDATE is always validated; with it an update that changes only
    /// garbage-collection fields (owner references, finalizers) is not evaluated, as
    /// upstream.
    #[arg(long, value_name = "FILE")]
    pub old: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

/// Inputs shared by every command that reads manifests.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files or directories to read; `-` is standard input. Without PATH: standard input
    /// when it is a pipe or a redirected file with data (`helm template . | rampart
    /// scan`), else the current directory. Directories are walked recursively for .yaml,
    /// .yml and .json files, honouring .gitignore; Helm charts and Kustomize directories
    /// are rendered with helm, kustomize or kubectl.
    #[arg(
        value_name = "PATH",
        default_value = crate::input::STDIN_OR_CWD,
        hide_default_value = true
    )]
    pub paths: Vec<PathBuf>,
    /// Largest accepted input file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Values file for the Helm charts among the PATHs (repeatable; `helm template
    /// --values FILE`).
    #[arg(long = "values", value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,
    /// A Helm value for the charts among the PATHs (repeatable; `helm template --set
    /// K=V`).
    #[arg(long = "set", value_name = "K=V")]
    pub helm_set: Vec<String>,
}

impl InputArgs {
    /// What Helm and Kustomize renderings get.
    pub fn render_options(&self) -> crate::render::RenderOptions {
        crate::render::RenderOptions {
            values: self.helm_values.clone(),
            set: self.helm_set.clone(),
            limit: self.max_file_size,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Grouped by file, each finding with a source snippet; a summary line.
    Text,
    /// One line per finding: `file:line:col: severity rule: message`.
    Compact,
    /// The JSON shape documented in the README.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
}

/// One `--output`: a format (or `--format`'s) and a file (or standard output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTarget<F> {
    /// The format named before `=`, if any.
    pub format: Option<F>,
    /// The file; `None` for standard output (`-`).
    pub path: Option<PathBuf>,
}

/// `[FORMAT=]FILE`: `sarif=report.sarif`, `text=-`, `report.json`. A word before `=`
/// that is not a format is an error with a suggestion (`./NAME=...` names such a file).
fn parse_output<F: ValueEnum>(text: &str) -> Result<OutputTarget<F>, String> {
    let path = |p: &str| (p != "-").then(|| PathBuf::from(p));
    match text.split_once('=') {
        Some((name, file))
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            let format = F::from_str(name, true).map_err(|_| {
                let names = F::value_variants()
                    .iter()
                    .filter_map(|f| f.to_possible_value())
                    .map(|v| v.get_name().to_owned())
                    .collect::<Vec<_>>();
                let hint = rampart_core::suggest::nearest(name, names.iter().map(String::as_str))
                    .map(|near| format!(" (did you mean {near:?}?)"))
                    .unwrap_or_default();
                format!(
                    "unknown format {name:?}{hint}: expected {}; write ./{text} for a file named so",
                    names.join(", ")
                )
            })?;
            if file.is_empty() {
                return Err(format!("{name}=: no file (`-` is standard output)"));
            }
            Ok(OutputTarget {
                format: Some(format),
                path: path(file),
            })
        }
        _ => Ok(OutputTarget {
            format: None,
            path: path(text),
        }),
    }
}

/// Each output of a run: its format and its file (`None`: standard output). Without
/// `--output`, `format` on standard output; at most one output may be standard output.
pub fn output_targets<F: Copy>(
    outputs: &[OutputTarget<F>],
    format: F,
) -> Result<Vec<(F, Option<PathBuf>)>, String> {
    if outputs.is_empty() {
        return Ok(vec![(format, None)]);
    }
    let targets: Vec<_> = outputs
        .iter()
        .map(|t| (t.format.unwrap_or(format), t.path.clone()))
        .collect();
    if targets.iter().filter(|(_, path)| path.is_none()).count() > 1 {
        return Err("--output: standard output (-) can take one format only".to_owned());
    }
    let mut files: Vec<&PathBuf> = targets.iter().filter_map(|(_, p)| p.as_ref()).collect();
    files.sort();
    if let Some(twice) = files.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(format!("--output: {} is named twice", twice[0].display()));
    }
    Ok(targets)
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Also check the Pod Security Standards at LEVEL[:VERSION] (rule `pod-security`).
    #[arg(long, value_name = "LEVEL[:VERSION]", value_parser = parse_policy)]
    pub pss: Option<LevelVersion>,
}

/// The catalogue's report: shared by `scan` and the live sources.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output format (of standard output, and of each --output given without one).
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    pub format: ScanFormat,
    /// Write the report to FILE instead of standard output; FORMAT=FILE writes that
    /// format there. Repeatable: `--output sarif=report.sarif --output text=-` (`-` is
    /// standard output). A report that only goes to files leaves a one-line summary on
    /// standard error.
    #[arg(long, short, value_name = "[FORMAT=]FILE", value_parser = parse_output::<ScanFormat>)]
    pub output: Vec<OutputTarget<ScanFormat>>,
    /// Show only findings of these severities (info, low, medium, high, critical;
    /// comma-separated: `high,critical`). The others are left out of every output, its
    /// summary and the exit code.
    #[arg(long, value_name = "LEVEL[,LEVEL]", value_delimiter = ',', value_parser = parse_severity)]
    pub severity: Vec<Severity>,
    /// End text and compact output with a table of findings per rule.
    #[arg(long)]
    pub summary: bool,
    /// Exit 1 when a shown finding is at or above this severity [default: low, or the
    /// config's fail-on].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Configuration file [default: .rampart.yaml in the current directory, if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run only these rules (repeatable, comma-separated).
    #[arg(long = "rule", value_name = "ID", value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Report (and fail on) only findings not accepted in this baseline file; counts the
    /// accepted findings and the entries that no longer match anything.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record every finding of this run in a baseline file (YAML) and accept them: the
    /// exit code is 0 unless the input has errors.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// `rampart docker`: a live Docker host through the Engine API.
#[derive(Debug, Args)]
pub struct DockerArgs {
    /// The Docker Engine: unix:///path/to/docker.sock or tcp://host:port [default:
    /// $DOCKER_HOST, else unix:///var/run/docker.sock].
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: Option<String>,
    /// CA certificate that signed the daemon's certificate (TLS on a tcp:// host)
    /// [default: ca.pem in $DOCKER_CERT_PATH, else ~/.docker].
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,
    /// Client certificate [default: cert.pem beside the CA].
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// Client key [default: key.pem beside the CA].
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Also check the host's files under DIR (`/` on the Docker host itself, or a copy of
    /// its files): owner and mode of Docker's and the kubelet's files, audit rules,
    /// daemon.json's settings the API does not show.
    #[arg(long, value_name = "DIR")]
    pub host_root: Option<PathBuf>,
    /// Engine API requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,
    /// Print to standard error how long the Engine API took and how long rampart's own
    /// work took, and the peak memory.
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `rampart cluster`: a live cluster through its API server.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Read only these namespaces (repeatable, comma-separated) [default: all].
    /// Cluster-scoped kinds (ClusterRoles, Nodes...) are still read.
    #[arg(
        long = "namespace",
        short = 'n',
        value_name = "NS",
        value_delimiter = ','
    )]
    pub namespaces: Vec<String>,
    /// Also write the objects read as one multi-document YAML file, which `rampart scan`
    /// judges with the same findings.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Also check the Pod Security Standards at LEVEL[:VERSION] (rule `pod-security`).
    #[arg(long, value_name = "LEVEL[:VERSION]", value_parser = parse_policy)]
    pub pss: Option<LevelVersion>,
    /// Print to standard error how long the API server took and how long rampart's own
    /// work took, and the peak memory.
    #[arg(long)]
    pub timings: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// How to reach a cluster's API server (`rampart cluster`, `rampart netpol --cluster`).
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// The kubeconfig [default: $KUBECONFIG, else ~/.kube/config, else the in-cluster
    /// service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use [default: its current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// How long reading the cluster may take in all, retries included (`90`, `90s`,
    /// `2m`); what is not read by then is reported as a gap.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
}

/// `90`, `90s`, `2m`, `1h`: a duration in whole seconds, minutes or hours.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (90, 90s, 2m, 1h)"))?;
    let seconds = match unit {
        "s" => number,
        "m" => number.saturating_mul(60),
        "h" => number.saturating_mul(3600),
        _ => return Err(format!("{text:?} is not a duration (90, 90s, 2m, 1h)")),
    };
    if seconds == 0 {
        return Err("the timeout must be at least one second".to_owned());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    /// A unified diff per file (the fixed text for standard input), and a summary on
    /// standard error.
    Text,
    /// Per file: each finding fixed with its text edits and JSON Patch, and each left.
    Json,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Fix only these rules (repeatable, comma-separated) [default: every rule that has
    /// a fix and the configuration enables].
    #[arg(
        long = "rule",
        value_name = "ID",
        value_delimiter = ',',
        conflicts_with = "pss"
    )]
    pub rules: Vec<String>,
    /// Also apply fixes that may change what the workload does (readOnlyRootFilesystem,
    /// runAsNonRoot, dropping host namespaces...).
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
    /// Fix what blocks this Pod Security level where a fix exists, and say what cannot
    /// be fixed.
    #[arg(long, value_name = "LEVEL[:VERSION]", value_parser = parse_policy)]
    pub pss: Option<LevelVersion>,
    /// Print a unified diff per file and change nothing (the default).
    #[arg(long, conflicts_with = "write")]
    pub diff: bool,
    /// Edit the files in place (atomically, keeping their permissions).
    #[arg(long)]
    pub write: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FixFormat::Text)]
    pub format: FixFormat,
    /// Configuration file [default: .rampart.yaml in the current directory, if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `restricted`, `baseline:v1.30`: a level with an optional version (default latest).
fn parse_policy(text: &str) -> Result<LevelVersion, String> {
    match text.split_once(':') {
        Some(_) => text
            .parse()
            .map_err(|e: rampart_core::pss::ParseLevelVersionError| e.to_string()),
        None => text
            .parse::<Level>()
            .map(LevelVersion::latest)
            .map_err(|e| e.to_string()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PssArgs {
    /// `migrate`: plan the move from PodSecurityPolicy (without it, `pss PATH...`
    /// evaluates pods).
    #[command(subcommand)]
    pub command: Option<PssCommand>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Level to evaluate every pod against. Without it, each pod takes the levels of its
    /// Namespace's pod-security.kubernetes.io labels (when the Namespace is in the input).
    #[arg(long, value_parser = parse_level)]
    pub level: Option<Level>,
    /// Policy version: v1.0 ... v1.37 or latest.
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub version: Option<Version>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PssCommand {
    /// Plan the move from PodSecurityPolicy to Pod Security Admission: each policy
    /// against the levels (and its mutating fields), each namespace's level once PSP no
    /// longer changes its pods, what blocks the next level, the `kubectl label` commands,
    /// and the pods that pass today only because PSP changes them.
    Migrate(MigrateArgs),
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Manifests or a saved cluster (`kubectl get -o yaml` of pods, workloads,
    /// PodSecurityPolicies, RBAC and Namespaces).
    #[command(flatten)]
    pub input: InputArgs,
    /// Pod Security Standards version to judge with, and to pin in the labels: v1.0 ...
    /// v1.37 or latest (not pinned).
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub version: Option<Version>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse()
        .map_err(|e: rampart_core::pss::ParseLevelError| e.to_string())
}

fn parse_version(text: &str) -> Result<Version, String> {
    text.parse()
        .map_err(|e: rampart_core::pss::ParseVersionError| e.to_string())
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    text.parse()
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only the containers with this name.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// The rule to explain.
    pub id: Option<String>,
    /// Print the catalogue as Markdown (the text of docs/rules.md).
    #[arg(long)]
    pub markdown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Webhook configuration (see deploy/config.yaml); reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// PEM certificate chain; reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,
    /// PEM private key; reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,
    /// Log format (one JSON object per line, or text).
    #[arg(long, value_enum, default_value_t = LogFormat::Json)]
    pub log_format: LogFormat,
    /// Seconds between checks of the configuration and certificate files.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub reload_interval: u64,
}

#[derive(Debug, Args)]
pub struct CertsArgs {
    /// Name of the webhook's Service.
    #[arg(long, default_value = "rampart")]
    pub service: String,
    /// Namespace of the webhook's Service.
    #[arg(long, default_value = "rampart")]
    pub namespace: String,
    /// Extra DNS names for the serving certificate (repeatable).
    #[arg(long = "dns", value_name = "NAME")]
    pub dns: Vec<String>,
    /// Directory for ca.crt, ca.key, tls.crt and tls.key.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    /// Validity of the serving certificate, in days (a new CA gets ten times as long).
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub days: u32,
    /// Sign the serving certificate with this existing CA certificate (PEM) instead of
    /// creating a CA: the webhooks' caBundle stays valid (rotation).
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    pub ca_cert: Option<PathBuf>,
    /// The existing CA's private key (PEM), with --ca-cert.
    #[arg(long, value_name = "FILE", requires = "ca_cert")]
    pub ca_key: Option<PathBuf>,
    /// Replace a CA already in --out-dir (the webhooks then need the new caBundle).
    #[arg(long, conflicts_with = "ca_cert")]
    pub force: bool,
}

/// Exit codes: 0 clean, 1 findings (or a denial), 2 usage or unreadable input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Clean,
    Findings,
    Usage,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Clean => ExitCode::SUCCESS,
            Exit::Findings => ExitCode::from(1),
            Exit::Usage => ExitCode::from(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
