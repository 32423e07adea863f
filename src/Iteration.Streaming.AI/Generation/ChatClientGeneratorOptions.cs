using Iteration.Streaming.Generation;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// Options of the chat-client phase generator (<c>AddChatClientGenerator</c>): what the model is told, how much of the
/// saved files it is shown, and the limits of its answer. Validated when the host starts.
/// </summary>
public sealed class ChatClientGeneratorOptions
{
    /// <summary>The <see cref="PhaseInstructions"/> key of the default plan's first phase.</summary>
    public const string CoreInfrastructureKey = nameof(PhaseKind.CoreInfrastructure);

    /// <summary>The <see cref="PhaseInstructions"/> key of every entity phase.</summary>
    public const string EntityKey = nameof(PhaseKind.Entity);

    /// <summary>The <see cref="PhaseInstructions"/> key of the support files phase.</summary>
    public const string SupportFilesKey = nameof(PhaseKind.SupportFiles);

    /// <summary>The <see cref="PhaseInstructions"/> key of the main application phase.</summary>
    public const string MainApplicationKey = nameof(PhaseKind.MainApplication);

    /// <summary>
    /// Who the model is and what it writes: the first part of the system message. The rules of the exchange format
    /// (<c>&lt;file path="…"&gt;…&lt;/file&gt;</c>) always follow it and cannot be replaced.
    /// </summary>
    public string SystemPrompt { get; set; } =
        "You are an expert software engineer. You write complete, working, idiomatic source code for the application " +
        "the user describes, one phase at a time, consistent with the files already written.";

    /// <summary>
    /// What each phase should produce, added to the request of that phase. The key is a phase's name (such as
    /// <c>User Entity</c>, for a host's own planner) or its kind (<see cref="CoreInfrastructureKey"/>,
    /// <see cref="EntityKey"/>, <see cref="SupportFilesKey"/>, <see cref="MainApplicationKey"/>, <c>Custom</c>); a name
    /// wins over a kind, and keys ignore case. Holds instructions for the default plan's four kinds; replace or remove
    /// them as needed.
    /// </summary>
    public IDictionary<string, string> PhaseInstructions { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [CoreInfrastructureKey] =
            "Write the foundation of the application: the project and build files, configuration, database setup and the " +
            "shared code (base types, utilities) that later phases build on. Do not write code for a particular entity yet.",
        [EntityKey] =
            "Write everything this phase's entity needs: its model, data access, business logic and endpoints, using the " +
            "shared code already written.",
        [SupportFilesKey] =
            "Write the supporting files: tests for the code written so far, a README that explains how to build and run " +
            "the application, and other supporting files it needs.",
        [MainApplicationKey] =
            "Write the application's entry point and wiring: the startup code that registers and connects everything " +
            "written in the earlier phases.",
    };

    /// <summary>
    /// How many characters of the saved files' contents a request may carry, so the model writes consistently with
    /// them; files past the budget are listed by path only. 0 lists paths only. Default 60,000 (about 15,000 tokens).
    /// </summary>
    public int MaxContextCharacters { get; set; } = 60_000;

    /// <summary>
    /// The most characters of text one phase's answer may have; a model that goes past it fails the phase (it bounds the
    /// memory a runaway answer takes). Default 2,000,000.
    /// </summary>
    public int MaxResponseCharacters { get; set; } = 2_000_000;

    /// <summary>
    /// The most tokens the model may write for one phase (<see cref="ChatOptions.MaxOutputTokens"/>), or
    /// <see langword="null"/> for the model's own limit or the one set in <see cref="ChatOptions"/>. A file cut by this
    /// limit fails the phase.
    /// </summary>
    public int? MaxOutputTokens { get; set; }

    /// <summary>
    /// Settings copied into every request, such as <see cref="Microsoft.Extensions.AI.ChatOptions.ModelId"/> or
    /// <see cref="Microsoft.Extensions.AI.ChatOptions.Temperature"/>; cloned per request, never changed.
    /// </summary>
    public ChatOptions? ChatOptions { get; set; }

    /// <summary>
    /// Whether a file being written is reported live (<c>phase_{n}_progress</c> with <c>current_file</c> and
    /// <c>partial_output: {"file", "offset", "text", "chars", "tail"}</c>, the engine checkpointing the phase with each
    /// report). Default <see langword="true"/>.
    /// </summary>
    public bool ReportLiveProgress { get; set; } = true;

    /// <summary>
    /// How many characters of the end of the file being written a live report carries (<c>partial_output.tail</c>), so a
    /// page can show the last lines growing; it starts at a line where it can. 0 leaves the tail out. Between 0 and
    /// 4,000. Default 400.
    /// </summary>
    public int LiveTailLength { get; set; } = 400;

    /// <summary>
    /// The least time between two live reports of one generation (never one per token). Between 100 milliseconds and
    /// 1 minute. Default 250 milliseconds: at most 4 reports a second.
    /// </summary>
    public TimeSpan LiveProgressInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How many characters of the model's answer make one output token, for the estimate of the tokens a call has
    /// written so far (<see cref="IPhaseProgress.EstimateOutputTokens"/>), sent every <see cref="LiveProgressInterval"/>
    /// while it streams so a budget stops a runaway answer within one interval. The model's real usage replaces the
    /// estimate when it comes. Lower is more cautious (about 4 for English and code, 1 to 2 for Chinese or Japanese).
    /// Between 0.5 and 32. Default 4.
    /// </summary>
    public double CharactersPerToken { get; set; } = 4;

    /// <summary>
    /// Whether each request asks the model for a background response (<see cref="ChatOptions.AllowBackgroundResponses"/>,
    /// experimental in Microsoft.Extensions.AI) and the model's latest continuation token is checkpointed with each live
    /// report, so a phase interrupted by a restart, a shutdown, a takeover or a retry reconnects to the same response and
    /// continues where its checkpoint stands: the text already received is not asked for (nor paid for) again. Needs a
    /// client whose provider keeps background responses (OpenAI's Responses API:
    /// <c>GetResponsesClient().AsIChatClient(model)</c>); with one that gives no continuation token (chat completions, most
    /// local servers) the phase is generated again, and the log and the <c>resumed</c> event say why. Needs
    /// <see cref="ReportLiveProgress"/>. Default <see langword="false"/>.
    /// </summary>
    public bool BackgroundResponses { get; set; }

    /// <summary>
    /// How long the model may send nothing (before its first token, or between two chunks) before the phase fails.
    /// Between 1 second and 1 hour. Default 2 minutes.
    /// </summary>
    public TimeSpan ResponseIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
