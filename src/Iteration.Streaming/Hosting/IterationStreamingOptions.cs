using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using System.Diagnostics.CodeAnalysis;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Options of Iteration.Streaming, bound from the <c>IterationStreaming</c> configuration section
/// and validated when the host starts.
/// </summary>
[UnconditionalSuppressMessage(
    "Trimming",
    "IL2026:RequiresUnreferencedCode",
    Justification = "The TimeSpan and long [Range] attributes are read at build time: the generated validator checks them with its own trim-safe copy of RangeAttribute.")]
public sealed class IterationStreamingOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "IterationStreaming";

    // The generated validator (IterationStreamingOptionsValidator) checks these annotations. Its RangeAttribute ignores
    // ErrorMessage (dotnet/runtime#123137): range failures read "The field IterationStreamingOptions.X must be between …".
    private const string MaxTimeSpan = "10675199.02:48:05.4775807";

    /// <summary>A run that emits nothing for this long is failed with stage <c>timeout</c>. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", MaxTimeSpan, MinimumIsExclusive = true)]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often an idle stream sends a comment heartbeat. Default 15 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", MaxTimeSpan, MinimumIsExclusive = true)]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The reconnection delay sent to clients in the SSE <c>retry:</c> line. Default 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", MinimumIsExclusive = true)]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a token is valid after it is issued even when its run has ended; while the run is live the token stays
    /// valid anyway (up to <see cref="MaxTokenLifetime"/>). Default 30 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", MaxTimeSpan, MinimumIsExclusive = true)]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The hard cap of a token's life, however long its run goes on. Default 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:00:00", MaxTimeSpan, MinimumIsExclusive = true)]
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// A token stops being valid this long after its generation ended (the end time in the generation's record).
    /// Default 5 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", MaxTimeSpan, MinimumIsExclusive = true)]
    public TimeSpan TerminalGracePeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The key that signs stream tokens, at least 32 characters; every instance that checks tokens must share it.
    /// When empty, the key in <see cref="SigningKeyFile"/> is used; without that either, a random key that dies with the
    /// process (a warning is logged: after a restart every token it issued answers 401).
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// A file that keeps the signing key when <see cref="SigningKey"/> is empty: created with a random key (readable by
    /// its owner only) on the first start, read on every later one, so tokens stay valid across restarts. Relative paths
    /// are resolved against the current directory; instances that share the file share the key. Keep it beside the data
    /// and out of source control. Default none.
    /// </summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>How many generations run at once; the rest wait in order with status <c>queued</c>. Default 4.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentGenerations { get; set; } = 4;

    /// <summary>How many generations may wait for a run slot before new ones are refused. Default 1,000.</summary>
    [Range(0, 1_000_000)]
    public int MaxQueuedGenerations { get; set; } = 1_000;

    /// <summary>
    /// How many events a generation's log keeps; past it the oldest progress ticks are dropped first
    /// (stage changes, warnings and the terminal event are kept). Default 10,000.
    /// </summary>
    [Range(16, 10_000_000)]
    public int MaxEventsPerGeneration { get; set; } = 10_000;

    /// <summary>
    /// How long an ended generation is kept (record, event log, files) after its terminal event; then all of it is
    /// deleted. Default 7 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", MaxTimeSpan, MinimumIsExclusive = true)]
    public TimeSpan RetainCompletedFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The most ended generations kept; past it the earliest ended are deleted first. Default 10,000.</summary>
    [Range(1, 100_000_000)]
    public int MaxRetainedGenerations { get; set; } = 10_000;

    /// <summary>
    /// Whether runs that were interrupted (host restart or shutdown) resume from their last saved phase when the host
    /// starts. <see langword="null"/> (the default): when the record store is durable.
    /// </summary>
    public bool? ResumeInterruptedRuns { get; set; }

    /// <summary>How many times an interrupted run is resumed; past it the run ends <c>failed</c>. Default 3.</summary>
    [Range(0, 1_000)]
    public int MaxResumeAttempts { get; set; } = 3;

    /// <summary>
    /// How many retries one generation's chain may have (a retry of a retry counts); the next answers 409. Default 5.
    /// Only one retry of a chain runs at a time.
    /// </summary>
    [Range(0, 1_000)]
    public int MaxRetriesPerGeneration { get; set; } = 5;

    /// <summary>
    /// How long an <c>Idempotency-Key</c> is remembered: the same key from the same caller within it answers the first
    /// request's answer again instead of starting another run. Default 24 hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How many streams of one generation this instance serves at once; more get 429. Default 32.</summary>
    [Range(1, 1_000_000)]
    public int MaxStreamsPerGeneration { get; set; } = 32;

    /// <summary>
    /// The most generations one multiplexed stream follows (<c>POST {prefix}/watch</c> refuses a larger set with 400; an
    /// owner's stream follows the newest this many live ones). Default 100.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxGenerationsPerStream { get; set; } = 100;

    /// <summary>
    /// How many multiplexed streams (<c>GET {prefix}/stream</c>) one owner, or one watch set without an owner, has open on
    /// this instance at once; more get 429. Default 8.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxMultiplexedStreamsPerOwner { get; set; } = 8;

    /// <summary>
    /// How many multiplexed streams open (check their set, subscribe to every member and write what each member missed) at
    /// once on this instance; the rest wait their turn, so a mass reconnect does not read every log at the same moment.
    /// Default 16.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentStreamReplays { get; set; } = 16;

    /// <summary>
    /// How often an owner's stream (<c>GET {prefix}/stream?owner=me</c>) looks in the record store for generations the
    /// owner started on other instances (those started on this one join at once). Default 2 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan OwnerStreamRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long one stream stays open before the server closes it cleanly (after a <c>retry:</c> line), so connections
    /// rebalance over the instances after a scale-out; the client reconnects with <c>Last-Event-ID</c> and loses nothing.
    /// Each stream's lifetime is jittered by ±10 % so streams opened together do not close together. Default 30 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", MinimumIsExclusive = true)]
    public TimeSpan MaxStreamLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The folder of the file-system sink; relative paths are resolved against the current directory. Default <c>data/generations</c>.</summary>
    [Required(ErrorMessage = SectionName + ":" + nameof(FileSinkRoot) + " must name a folder.")]
    public string FileSinkRoot { get; set; } = Path.Combine("data", "generations");

    /// <summary>The longest accepted prompt or modification prompt, in characters. Default 20,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxPromptLength { get; set; } = 20_000;

    /// <summary>The most entities a request may name. Default 50.</summary>
    [Range(0, 10_000)]
    public int MaxEntities { get; set; } = 50;

    /// <summary>The longest accepted entity name, in characters. Default 100.</summary>
    [Range(1, 10_000)]
    public int MaxEntityNameLength { get; set; } = 100;

    /// <summary>The most files one generation may hold. Default 2,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxFilesPerGeneration { get; set; } = 2_000;

    /// <summary>
    /// The most changed files a diff (<c>GET {prefix}/{id}/diff</c>) gives line diffs for; later ones are listed without
    /// (<c>skipped: over_limit</c>). Default 1,000.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DiffMaxFiles { get; set; } = 1_000;

    /// <summary>The largest file (either side) a diff gives a line diff for; larger ones are listed as <c>too_large</c>. Default 1 MiB.</summary>
    [Range(typeof(long), "1", "2147483647")]
    public long DiffMaxFileBytes { get; set; } = 1024 * 1024;

    /// <summary>The most bytes (both sides, all files) one diff reads to compute line diffs; past it files are <c>over_limit</c>. Default 16 MiB.</summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long DiffMaxTotalBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The largest accepted file, in bytes. Default 5 MiB.</summary>
    [Range(typeof(long), "1", "2147483647")]
    public long MaxFileSize { get; set; } = 5 * 1024 * 1024;

    /// <summary>The most bytes of files one phase may hold in memory before it is saved. Default 64 MiB.</summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long MaxPhaseBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The most bytes of files one generation may keep (parent's files included). Default 256 MiB.</summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long MaxGenerationBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>The largest <c>partial_output</c> a generator may attach to one event, in bytes of JSON. Default 16 KiB.</summary>
    [Range(2, 64 * 1024 * 1024)]
    public int MaxPartialOutputBytes { get; set; } = 16 * 1024;

    /// <summary>The longest accepted relative file path, in characters. Default 260.</summary>
    [Range(1, 4_096)]
    public int MaxPathLength { get; set; } = 260;

    /// <summary>
    /// The review gates of a generation whose request names none (<c>review</c>): <c>Plan</c> (true to stop once the plan
    /// is made) and <c>AfterPhases</c> (<c>"all"</c>, or phase numbers such as <c>"1,3"</c> or <c>[1, 3]</c>). Default: none.
    /// </summary>
    public ReviewOptions DefaultReview { get; set; } = new();

    /// <summary>
    /// How long a generation waits at a review gate for its user; then it ends <c>cancelled</c> (its files stay readable,
    /// and it can be retried). A deadline kept with the generation, not a timer per run. Default 24 hours.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan InputTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The longest instruction a user may send (<c>instruct</c>, or with <c>approve</c>), in characters. Default 4,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxInstructionLength { get; set; } = 4_000;

    /// <summary>The most instructions one generation takes; the next answers 429. Default 50.</summary>
    [Range(1, 100_000)]
    public int MaxInstructionsPerGeneration { get; set; } = 50;

    /// <summary>The most paths one generation may have locked. Default 1,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxLockedPaths { get; set; } = 1_000;

    /// <summary>The most phases a plan may have (a planner's plan, or a user's revised one). Default 100.</summary>
    [Range(1, 1_000)]
    public int MaxPhases { get; set; } = 100;

    /// <summary>Token budgets: a cap per generation, an owner's daily allowance and concurrent generations, prices.</summary>
    [ValidateObjectMembers]
    public BudgetOptions Budgets { get; set; } = new();

    /// <summary>Automatic retries of transient failures from the last saved phase.</summary>
    [ValidateObjectMembers]
    public RetryOptions Retries { get; set; } = new();

    /// <summary>Live checkpoints of the phase in progress: what lets it continue after a crash, and a reload see the file so far.</summary>
    [ValidateObjectMembers]
    public CheckpointOptions Checkpoints { get; set; } = new();
}
