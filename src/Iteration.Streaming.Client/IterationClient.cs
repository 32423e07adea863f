using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using Iteration.Streaming.Client.Http;
using Iteration.Streaming.Client.Review;
using Iteration.Streaming.Client.Watching;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Iteration.Streaming.Client;

/// <summary>
/// A client of an Iteration.Streaming server (<c>MapIterationStream</c>): starts generations, iterations and retries
/// (with token budgets), watches them with automatic resume, answers their review gates, reads their snapshot, the phase
/// in progress (with the exact text of the file being written), files and
/// archive, diffs their saved states, forks them from a saved phase, reverts their files, cancels them, lists the
/// signed-in user's generations, and watches many generations over one connection.
/// </summary>
/// <remarks>
/// <see cref="WatchAsync(GenerationHandle, long, CancellationToken)"/> is the reconnect loop that
/// <see cref="SseParser"/> leaves out: it resumes with <c>Last-Event-ID</c> after a dropped connection, a stream that
/// ends early, or a silent stall; honours the server's <c>retry:</c>; backs off exponentially with jitter; and checks
/// sequence numbers so no event is yielded twice or skipped. A run waiting at a review gate (status
/// <c>awaiting_input</c>) is not ended: the watch goes on until its terminal event. Reads (diffs too) send the handle's
/// read token; iterate, cancel, retry, fork, revert and input send its control token, always in the <c>Authorization</c>
/// header. A call without a token of its own (<see cref="ListAsync"/>, a handle from <see cref="GenerationHandle.ForOwner"/>) sends none, so the
/// HttpClient's credentials (a cookie container, a default <c>Authorization</c> header, a handler) reach the server's
/// owner resolver. <see cref="WatchManyAsync"/> and <see cref="WatchOwnerAsync"/> follow many generations over one
/// multiplexed stream with the same reconnect rules, resuming with the set's opaque cursor. The client is safe to use
/// from several threads.
/// </remarks>
public sealed partial class IterationClient
{
    private readonly ApiCalls _calls;
    private readonly GenerationWatcher _watcher;
    private readonly MultiplexWatcher _multiplex;

    /// <summary>The route group's URL without a trailing slash, such as <c>http://127.0.0.1:5000/generations</c>.</summary>
    private readonly string _group;

    /// <summary>Creates a client over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    /// <param name="httpClient">
    /// The HTTP client; its base address must be set (a path in it is kept). Give it an infinite
    /// <see cref="HttpClient.Timeout"/>: a watch lasts as long as the run, and has its own stall detection.
    /// </param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for delays and stall detection; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">A logger; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The base address is missing or not http(s), or the options are not valid.</exception>
    public IterationClient(HttpClient httpClient, IterationClientOptions? options = null, TimeProvider? timeProvider = null, ILogger<IterationClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        if (httpClient.BaseAddress is not { IsAbsoluteUri: true, Scheme: "http" or "https" } baseAddress)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the server's root URL, for example http://127.0.0.1:5000/.", nameof(httpClient));
        }

        _calls = new ApiCalls(httpClient);
        options ??= new IterationClientOptions();
        options.Validate();
        timeProvider ??= TimeProvider.System;
        var log = logger ?? (ILogger)NullLogger.Instance;
        _watcher = new GenerationWatcher(httpClient, options, timeProvider, log);
        _multiplex = new MultiplexWatcher(httpClient, options, timeProvider, log);

        // Relative to the base address, path included: "http://host/api" + "/generations" is ".../api/generations".
        var root = baseAddress.GetLeftPart(UriPartial.Path);
        _group = (root.EndsWith('/') ? root : root + "/") + options.RoutePrefix.Trim('/');
        _group = _group.TrimEnd('/');
    }

    /// <summary>Starts a new generation (<c>POST /generations</c>).</summary>
    /// <param name="prompt">What to generate.</param>
    /// <param name="entities">The entities of the app, one phase each.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation, with its read and control tokens.</returns>
    /// <exception cref="ArgumentException">The prompt or an entity name is null, empty or white space.</exception>
    /// <exception cref="IterationApiException">The server refused the request (400 with the reason, 503 when its queue is full).</exception>
    public Task<GenerationHandle> StartAsync(string prompt, IReadOnlyList<string>? entities = null, CancellationToken cancellationToken = default) =>
        StartAsync(prompt, entities, review: null, cancellationToken);

    /// <summary>
    /// Starts a new generation (<c>POST /generations</c>) that stops for its user's review where
    /// <paramref name="review"/> says: once the plan is made, after chosen phases. At each stop the watch yields an event
    /// with status <c>awaiting_input</c> and its <see cref="StreamingProgressEvent.InputRequest"/>; answer it with
    /// <see cref="SendInputAsync"/> (or <see cref="ApproveAsync"/>).
    /// </summary>
    /// <param name="prompt">What to generate.</param>
    /// <param name="entities">The entities of the app, one phase each.</param>
    /// <param name="review">The review gates; <see langword="null"/> for the host's default (by default none).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation, with its read and control tokens.</returns>
    /// <exception cref="ArgumentException">The prompt or an entity name is null, empty or white space, or a review phase number is below 1.</exception>
    /// <exception cref="IterationApiException">The server refused the request (400 with the reason, 503 when its queue is full).</exception>
    public Task<GenerationHandle> StartAsync(string prompt, IReadOnlyList<string>? entities, ReviewRequest? review, CancellationToken cancellationToken = default) =>
        StartAsync(prompt, entities, review, budget: null, cancellationToken);

    /// <summary>
    /// Starts a new generation (<c>POST /generations</c>) held to a token <paramref name="budget"/>, stopping for review
    /// where <paramref name="review"/> says. A run that crosses its budget ends <c>failed</c> with stage
    /// <c>budget_exceeded</c>; its saved phases stay, and <see cref="RetryAsync(GenerationHandle, ReviewRequest?, GenerationBudget?, CancellationToken)"/>
    /// with a higher budget continues from the last of them.
    /// </summary>
    /// <param name="prompt">What to generate.</param>
    /// <param name="entities">The entities of the app, one phase each.</param>
    /// <param name="review">The review gates; <see langword="null"/> for the host's default (by default none).</param>
    /// <param name="budget">The most tokens the run may spend; <see langword="null"/> for the host's default. The host caps it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation, with its tokens and the budget the server holds it to (<see cref="GenerationHandle.Budget"/>).</returns>
    /// <exception cref="ArgumentException">The prompt or an entity name is null, empty or white space, a review phase number is below 1, or a budget value is below 1.</exception>
    /// <exception cref="IterationApiException">
    /// 400 bad input; 429 with <see cref="IterationApiException.BudgetRefusal"/> when the host's budget policy refuses the
    /// start (the owner's tokens per day or concurrent generations); 503 when its queue is full.
    /// </exception>
    public Task<GenerationHandle> StartAsync(string prompt, IReadOnlyList<string>? entities, ReviewRequest? review, GenerationBudget? budget, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        if (entities is not null)
        {
            for (var i = 0; i < entities.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(entities[i]))
                {
                    throw new ArgumentException($"The entity at index {i} is null, empty or white space.", nameof(entities));
                }
            }
        }

        InputChecks.Check(review);
        CheckBudget(budget);
        var body = new StartGenerationRequest { Prompt = prompt, Entities = entities, Review = review, Budget = budget };
        return _calls.PostStartAsync(Url(string.Empty), JsonContent.Create(body, IterationStreamingJson.StartGenerationRequest), token: null, cancellationToken);
    }

    /// <summary>
    /// Starts an iteration of a finished generation (<c>POST /generations/iterate</c>), authorised by the parent's control
    /// token (<see cref="GenerationHandle.ControlToken"/>).
    /// </summary>
    /// <param name="parent">The finished generation to start from, with its control token.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException"><paramref name="parent"/> is null, or the prompt is null, empty or white space.</exception>
    /// <exception cref="IterationApiException">
    /// 400 bad input; 401 no control token (the handle has none) or an expired one; 403 a read token; 409 parent not finished.
    /// </exception>
    public Task<GenerationHandle> IterateAsync(GenerationHandle parent, string modificationPrompt, CancellationToken cancellationToken = default) =>
        IterateAsync(parent, modificationPrompt, review: null, cancellationToken);

    /// <summary>
    /// Starts an iteration of a finished generation (<c>POST /generations/iterate</c>) that stops for its user's review
    /// where <paramref name="review"/> says, authorised by the parent's control token.
    /// </summary>
    /// <param name="parent">The finished generation to start from, with its control token.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="review">The review gates; <see langword="null"/> for the host's default (by default none).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException"><paramref name="parent"/> is null, the prompt is null, empty or white space, or a review phase number is below 1.</exception>
    /// <exception cref="IterationApiException">
    /// 400 bad input; 401 no control token (the handle has none) or an expired one; 403 a read token; 409 parent not finished.
    /// </exception>
    public Task<GenerationHandle> IterateAsync(GenerationHandle parent, string modificationPrompt, ReviewRequest? review, CancellationToken cancellationToken = default) =>
        IterateAsync(parent, modificationPrompt, review, budget: null, cancellationToken);

    /// <summary>
    /// Starts an iteration of a finished generation (<c>POST /generations/iterate</c>) held to a token
    /// <paramref name="budget"/>, authorised by the parent's control token (or, for a handle without one, by ownership).
    /// </summary>
    /// <param name="parent">The finished generation to start from, with its control token.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="review">The review gates; <see langword="null"/> for the host's default (by default none).</param>
    /// <param name="budget">The most tokens the iteration may spend; <see langword="null"/> for the host's default. The host caps it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException"><paramref name="parent"/> is null, the prompt is null, empty or white space, a review phase number is below 1, or a budget value is below 1.</exception>
    /// <exception cref="IterationApiException">
    /// 400 bad input; 401 no control token or an expired one; 403 a read token; 409 parent not finished; 429 with
    /// <see cref="IterationApiException.BudgetRefusal"/> when the host's budget policy refuses it.
    /// </exception>
    public Task<GenerationHandle> IterateAsync(GenerationHandle parent, string modificationPrompt, ReviewRequest? review, GenerationBudget? budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentException.ThrowIfNullOrWhiteSpace(modificationPrompt);
        InputChecks.Check(review);
        CheckBudget(budget);
        return PostIterateAsync(parent.GenerationId, modificationPrompt, review, budget, parent.ControlToken, cancellationToken);
    }

    /// <summary>
    /// Starts an iteration of a finished generation (<c>POST /generations/iterate</c>) without a control token: for servers
    /// that authorise by ownership (an owner resolver over the user this HttpClient signs in as).
    /// </summary>
    /// <param name="parentGenerationId">The finished generation to start from.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or white space.</exception>
    /// <exception cref="IterationApiException">400 bad input, 401 or 403 not the parent's owner, 409 parent not finished.</exception>
    public Task<GenerationHandle> IterateAsync(string parentGenerationId, string modificationPrompt, CancellationToken cancellationToken = default) =>
        IterateAsync(parentGenerationId, modificationPrompt, review: null, cancellationToken);

    /// <summary>
    /// Starts an iteration of a finished generation (<c>POST /generations/iterate</c>) that stops for its user's review
    /// where <paramref name="review"/> says, without a control token: for servers that authorise by ownership.
    /// </summary>
    /// <param name="parentGenerationId">The finished generation to start from.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="review">The review gates; <see langword="null"/> for the host's default (by default none).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or white space, or a review phase number is below 1.</exception>
    /// <exception cref="IterationApiException">400 bad input, 401 or 403 not the parent's owner, 409 parent not finished.</exception>
    public Task<GenerationHandle> IterateAsync(string parentGenerationId, string modificationPrompt, ReviewRequest? review, CancellationToken cancellationToken = default) =>
        IterateAsync(parentGenerationId, modificationPrompt, review, budget: null, cancellationToken);

    /// <summary>
    /// Starts an iteration of a finished generation (<c>POST /generations/iterate</c>) held to a token
    /// <paramref name="budget"/>, without a control token: for servers that authorise by ownership.
    /// </summary>
    /// <param name="parentGenerationId">The finished generation to start from.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="review">The review gates; <see langword="null"/> for the host's default (by default none).</param>
    /// <param name="budget">The most tokens the iteration may spend; <see langword="null"/> for the host's default. The host caps it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or white space, a review phase number is below 1, or a budget value is below 1.</exception>
    /// <exception cref="IterationApiException">
    /// 400 bad input, 401 or 403 not the parent's owner, 409 parent not finished, 429 with
    /// <see cref="IterationApiException.BudgetRefusal"/> when the host's budget policy refuses it.
    /// </exception>
    public Task<GenerationHandle> IterateAsync(string parentGenerationId, string modificationPrompt, ReviewRequest? review, GenerationBudget? budget, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentGenerationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(modificationPrompt);
        InputChecks.Check(review);
        CheckBudget(budget);
        return PostIterateAsync(parentGenerationId, modificationPrompt, review, budget, token: null, cancellationToken);
    }

    /// <summary>
    /// Retries a generation that failed or was cancelled (<c>POST /generations/{id}/retry</c>): the server starts a new
    /// generation with the same request that reuses the phases the old one saved. Authorised by the control token.
    /// </summary>
    /// <param name="handle">The failed or cancelled generation, with its control token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation (<see cref="GenerationHandle.RetryOf"/> names the old one).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="IterationApiException">
    /// 401 no control token or an expired one; 403 a read token or another generation's; 409 the generation is running or completed.
    /// </exception>
    public Task<GenerationHandle> RetryAsync(GenerationHandle handle, CancellationToken cancellationToken = default) =>
        RetryAsync(handle, review: null, cancellationToken);

    /// <summary>
    /// Retries a generation that failed or was cancelled (<c>POST /generations/{id}/retry</c>) with review gates of its
    /// own: the retry stops for its user's review where <paramref name="review"/> says. Authorised by the control token.
    /// </summary>
    /// <param name="handle">The failed or cancelled generation, with its control token.</param>
    /// <param name="review">The retry's review gates; <see langword="null"/> sends no body (the host's default applies).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation (<see cref="GenerationHandle.RetryOf"/> names the old one).</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> is null, or a review phase number is below 1.</exception>
    /// <exception cref="IterationApiException">
    /// 400 bad review; 401 no control token or an expired one; 403 a read token or another generation's; 409 the
    /// generation is running or completed.
    /// </exception>
    public Task<GenerationHandle> RetryAsync(GenerationHandle handle, ReviewRequest? review, CancellationToken cancellationToken = default) =>
        RetryAsync(handle, review, budget: null, cancellationToken);

    /// <summary>
    /// Retries a generation that failed or was cancelled (<c>POST /generations/{id}/retry</c>) with a token
    /// <paramref name="budget"/> of its own: after a <c>budget_exceeded</c> stop, a higher budget lets the retry go on
    /// from the last saved phase. Authorised by the control token, or for a handle without one by ownership.
    /// </summary>
    /// <param name="handle">The failed or cancelled generation, with its control token (or from <see cref="GenerationHandle.ForOwner"/>).</param>
    /// <param name="review">The retry's review gates; <see langword="null"/> for the host's default.</param>
    /// <param name="budget">The most tokens the retry may spend, counted over every attempt; <see langword="null"/> for the host's default. The host caps it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation (<see cref="GenerationHandle.RetryOf"/> names the old one).</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> is null, a review phase number is below 1, or a budget value is below 1.</exception>
    /// <exception cref="IterationApiException">
    /// 400 bad review or budget; 401 no control token or an expired one; 403 a read token or another generation's; 409
    /// the generation is running or completed; 429 with <see cref="IterationApiException.BudgetRefusal"/> when the host's
    /// budget policy refuses it.
    /// </exception>
    public Task<GenerationHandle> RetryAsync(GenerationHandle handle, ReviewRequest? review, GenerationBudget? budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        InputChecks.Check(review);
        CheckBudget(budget);

        // Neither: no body, as before reviews and budgets, so older servers take it.
        var content = review is null && budget is null
            ? null
            : JsonContent.Create(new RetryGenerationRequest { Review = review, Budget = budget }, IterationStreamingJson.RetryGenerationRequest);
        return _calls.PostStartAsync(GenerationUrl(handle, "/retry"), content, handle.ControlToken, cancellationToken);
    }

    /// <summary>
    /// Watches a generation until its terminal event, resuming by itself; see the class remarks.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="token">Its stream token.</param>
    /// <param name="lastEventId">The last sequence number already seen, or 0 for the whole history.</param>
    /// <param name="cancellationToken">Stops watching (the run goes on).</param>
    /// <returns>The events in order, each once, ending with the terminal one (or nothing more when the server says the generation had already ended).</returns>
    /// <exception cref="ArgumentException">The id or the token is not valid, or <paramref name="lastEventId"/> is negative.</exception>
    /// <exception cref="IterationApiException">400, 401, 403 or 404 (while enumerating): retrying would not help.</exception>
    /// <exception cref="IterationStreamException">Too many attempts failed in a row (while enumerating).</exception>
    public IAsyncEnumerable<StreamingProgressEvent> WatchAsync(string generationId, string token, long lastEventId = 0, CancellationToken cancellationToken = default) =>
        WatchAsync(new GenerationHandle(generationId, token), lastEventId, cancellationToken);

    /// <summary>
    /// Watches a generation until its terminal event, resuming by itself; see the class remarks.
    /// </summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="lastEventId">The last sequence number already seen, or 0 for the whole history.</param>
    /// <param name="cancellationToken">Stops watching (the run goes on).</param>
    /// <returns>The events in order, each once, ending with the terminal one (or nothing more when the server says the generation had already ended).</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> is null or <paramref name="lastEventId"/> is negative.</exception>
    /// <exception cref="IterationApiException">
    /// 400, 401, 403 or 404 (while enumerating): the resume point, the token or the generation is not valid; retrying
    /// would not help.
    /// </exception>
    /// <exception cref="IterationStreamException">Too many attempts failed in a row (while enumerating).</exception>
    public IAsyncEnumerable<StreamingProgressEvent> WatchAsync(GenerationHandle handle, long lastEventId = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfNegative(lastEventId);
        return _watcher.WatchAsync(handle, GenerationUrl(handle, "/stream"), lastEventId, cancellationToken);
    }

    /// <summary>Returns the latest snapshot of a generation (<c>GET /generations/{id}</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public Task<GenerationSnapshot> GetSnapshotAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return _calls.GetJsonAsync(GenerationUrl(handle, string.Empty), handle.Token, IterationStreamingJson.GenerationSnapshot, cancellationToken);
    }

    /// <summary>Lists the files saved so far (<c>GET /generations/{id}/files</c>): the partial result while running or after a failure.</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The file list.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public Task<GenerationFileList> ListFilesAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return _calls.GetJsonAsync(GenerationUrl(handle, "/files"), handle.Token, IterationStreamingJson.GenerationFileList, cancellationToken);
    }

    /// <summary>Downloads one saved file (<c>GET /generations/{id}/files/{path}</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="path">The file's relative path as listed, with '/' between names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The content; dispose it.</returns>
    /// <exception cref="ArgumentException">The path is empty, absolute, or has an empty, '.' or '..' name.</exception>
    /// <exception cref="IterationApiException">400 bad path, 401, 403 or 404 (unknown generation or no such file).</exception>
    public Task<Stream> DownloadFileAsync(GenerationHandle handle, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        // A '.' or '..' name would be resolved away by Uri and reach another endpoint with the token.
        var names = path.Split('/');
        if (names.Any(n => n.Length == 0 || n is "." or ".."))
        {
            throw new ArgumentException($"The file path must be relative, with '/' between non-empty names and no '.' or '..' names, but was '{path}'.", nameof(path));
        }

        var escaped = string.Join('/', names.Select(Uri.EscapeDataString));
        return _calls.GetStreamAsync(GenerationUrl(handle, "/files/" + escaped), handle.Token, cancellationToken);
    }

    /// <summary>Downloads the saved files as a zip (<c>GET /generations/{id}/archive</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The zip; dispose it.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404 (unknown generation or nothing saved yet).</exception>
    public Task<Stream> DownloadArchiveAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return _calls.GetStreamAsync(GenerationUrl(handle, "/archive"), handle.Token, cancellationToken);
    }

    /// <summary>
    /// Cancels a generation (<c>DELETE /generations/{id}</c>), authorised by its control token; its stream then ends with
    /// status <c>cancelled</c>.
    /// </summary>
    /// <param name="handle">The generation and its control token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>
    /// <see langword="true"/> when the server accepted the cancellation; <see langword="false"/> when the generation
    /// had already ended (the server answered 409), so there was nothing to cancel.
    /// </returns>
    /// <exception cref="IterationApiException">401 no control token (the handle has none) or an expired one, 403 or 404.</exception>
    public async Task<bool> CancelAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var response = await _calls.SendAsync(HttpMethod.Delete, GenerationUrl(handle, string.Empty), handle.ControlToken, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await ApiResponses.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Refuses a budget value the server would refuse, naming it as the server does.</summary>
    private static void CheckBudget(GenerationBudget? budget)
    {
        if (budget?.MaxOutputTokens is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget.MaxOutputTokens, "budget.max_output_tokens must be at least 1 (or null for no output limit).");
        }

        if (budget?.MaxTotalTokens is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget.MaxTotalTokens, "budget.max_total_tokens must be at least 1 (or null for no total limit).");
        }
    }

    private Task<GenerationHandle> PostIterateAsync(string parentGenerationId, string modificationPrompt, ReviewRequest? review, GenerationBudget? budget, string? token, CancellationToken cancellationToken)
    {
        var body = new IterateGenerationRequest { ParentGenerationId = parentGenerationId, ModificationPrompt = modificationPrompt, Review = review, Budget = budget };
        return _calls.PostStartAsync(Url("iterate"), JsonContent.Create(body, IterationStreamingJson.IterateGenerationRequest), token, cancellationToken);
    }

    private Uri Url(string relative) => new(relative.Length == 0 ? _group : _group + "/" + relative);

    private Uri GenerationUrl(GenerationHandle handle, string suffix) =>
        Url(Uri.EscapeDataString(handle.GenerationId) + suffix);
}
