namespace Iteration.Streaming.Security;

/// <summary>
/// Issues and checks generation tokens: HMAC-SHA256 signed, scoped to one generation and to reading or acting,
/// stateless (any instance that shares <c>IterationStreaming:SigningKey</c> can check them).
/// </summary>
/// <remarks>
/// A token is valid while its generation's run is live (at most <c>MaxTokenLifetime</c> after it was issued), or for
/// <c>TokenLifetime</c> after it was issued, and never longer than <c>TerminalGracePeriod</c> after the end time in the
/// generation's record; a generation with no record has no valid token. Tokens are secrets: never log them.
/// </remarks>
public interface IStreamTokenService
{
    /// <summary>Issues a token for one generation.</summary>
    /// <param name="generationId">The generation the token grants access to.</param>
    /// <param name="scope">What the token allows.</param>
    /// <returns>The token: URL-safe text, fit for an <c>Authorization: Bearer</c> header or (a read token) a <c>?token=</c> query.</returns>
    /// <exception cref="ArgumentException"><paramref name="generationId"/> is empty or longer than 128 characters.</exception>
    string IssueToken(string generationId, StreamTokenScope scope = StreamTokenScope.Read);

    /// <summary>Checks a token presented for <paramref name="generationId"/>, in constant time.</summary>
    /// <param name="generationId">The generation being accessed.</param>
    /// <param name="token">The presented token, or <see langword="null"/> when none was sent.</param>
    /// <param name="scope">What the caller wants to do; a control token also reads, a read token never acts.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The outcome; only <see cref="StreamTokenStatus.Valid"/> grants access.</returns>
    ValueTask<StreamTokenStatus> ValidateAsync(string generationId, string? token, StreamTokenScope scope = StreamTokenScope.Read, CancellationToken cancellationToken = default);
}
