using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Client;

/// <summary>
/// A started generation as the client knows it: its id, the read token that authorises watching and reading it, and
/// (when this client started it) the control token that authorises iterating from it, cancelling and retrying it, and
/// answering its review gates. A handle from <see cref="ForOwner"/> has no token: the server authorises its reads and
/// actions by ownership (the user the HttpClient signs in as).
/// </summary>
/// <param name="GenerationId">The generation's id: 1 to 128 ASCII letters, digits, '-' or '_' (a UUID fits).</param>
/// <param name="Token">The read token (<c>sse_token</c>). Treat it as a secret: do not log it.</param>
public sealed record GenerationHandle(string GenerationId, string Token)
{
    private const int MaxGenerationIdLength = 128;
    private const string NoToken = "owner";
    private readonly string? _controlToken;
    private readonly string _token = CheckToken(Token);

    /// <summary>The generation's id.</summary>
    public string GenerationId { get; } = CheckGenerationId(GenerationId);

    /// <summary>
    /// The read token (<c>sse_token</c>); empty for a handle that reads by ownership (<see cref="ForOwner"/>). Treat it
    /// as a secret: do not log it.
    /// </summary>
    public string Token => ReadsByOwnership ? string.Empty : _token;

    /// <summary>
    /// True for a handle made by <see cref="ForOwner"/>: the client sends no token of its own, so the HttpClient's
    /// credentials (a cookie, an <c>Authorization</c> default header, a handler) authorise every call.
    /// </summary>
    public bool ReadsByOwnership { get; private init; }

    /// <summary>
    /// The control token (<c>control_token</c>), sent only in the <c>Authorization</c> header of iterate, cancel, retry, fork, revert and input;
    /// <see langword="null"/> when unknown (a server that authorises by ownership needs none). Treat it as a secret.
    /// </summary>
    /// <exception cref="ArgumentException">The value has spaces, control or non-ASCII characters.</exception>
    public string? ControlToken
    {
        get => _controlToken;
        init => _controlToken = value is null ? null : CheckToken(value, nameof(ControlToken));
    }

    /// <summary>For a retry, the generation it retries.</summary>
    public string? RetryOf { get; init; }

    /// <summary>For a fork (<see cref="IterationClient.ForkAsync"/>), the generation whose phases it kept.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>For a fork, the last phase of <see cref="ForkedFrom"/> it kept; later phases are generated again.</summary>
    public int? FromPhase { get; init; }

    /// <summary>
    /// The stream URL the server returned, relative to its host, for a browser's <c>EventSource</c>. The client
    /// itself builds its URLs from its base address and <see cref="IterationClientOptions.RoutePrefix"/>.
    /// </summary>
    public string? StreamUrl { get; init; }

    /// <summary>The status URL the server returned, relative to its host.</summary>
    public string? StatusUrl { get; init; }

    /// <summary>The budget the run is held to (the server's cap applied), when it has one.</summary>
    public GenerationBudget? Budget { get; init; }

    /// <summary>
    /// A handle without tokens, for a generation the signed-in user owns (say, one from <see cref="IterationClient.ListAsync"/>):
    /// watch, snapshot, files, archive, iterate, cancel, retry and input then send no token, and the server authorises
    /// them by ownership when it has an owner resolver (401 otherwise).
    /// </summary>
    /// <param name="generationId">The generation's id.</param>
    /// <returns>The handle.</returns>
    /// <exception cref="ArgumentException">The id is not valid.</exception>
    public static GenerationHandle ForOwner(string generationId) =>
        new(generationId, NoToken) { ReadsByOwnership = true };

    /// <summary>Creates a handle from the server's 202 answer.</summary>
    /// <param name="response">The body of a start, iterate, retry, fork or revert response.</param>
    /// <returns>The handle.</returns>
    /// <exception cref="ArgumentException">The id or the token is not valid.</exception>
    public static GenerationHandle FromResponse(GenerationStartedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new GenerationHandle(response.GenerationId, response.SseToken)
        {
            ControlToken = response.ControlToken,
            RetryOf = response.RetryOf,
            ForkedFrom = response.ForkedFrom,
            FromPhase = response.FromPhase,
            StreamUrl = response.StreamUrl,
            StatusUrl = response.StatusUrl,
            Budget = response.Budget,
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"GenerationHandle {{ GenerationId = {GenerationId} }}";

    // The id goes into URL paths: the server's rule also keeps '.', '..', '/' and '%' out of them.
    private static string CheckGenerationId(string generationId)
    {
        ArgumentException.ThrowIfNullOrEmpty(generationId);
        if (generationId.Length > MaxGenerationIdLength || generationId.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_')))
        {
            throw new ArgumentException(
                $"A generation id is 1 to {MaxGenerationIdLength} ASCII letters, digits, '-' or '_', such as a UUID.", nameof(generationId));
        }

        return generationId;
    }

    // The token goes into an Authorization header: no spaces, control or non-ASCII characters (RFC 6750 b64token).
    private static string CheckToken(string token, string parameterName = "token")
    {
        ArgumentException.ThrowIfNullOrEmpty(token, parameterName);
        if (token.Any(c => c is <= ' ' or > '~'))
        {
            throw new ArgumentException("A token is printable ASCII without spaces.", parameterName);
        }

        return token;
    }
}
