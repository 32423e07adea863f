using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.AspNetCore.Security;

/// <summary>
/// Tells who is calling, so generations can be owned: when one is registered (see
/// <c>AddGenerationOwnerResolver</c>), start, iterate and retry record the caller as the new generation's user, and
/// an action on a generation (iterate from it, cancel, retry) is allowed without its control token when the caller is
/// the user recorded on it. Reads still need a token.
/// </summary>
/// <remarks>
/// Typically the signed-in user's stable id, such as the <c>sub</c> or name-identifier claim. An action authorised by
/// ownership is refused when the browser marks the request as cross-site (<c>Sec-Fetch-Site: cross-site</c>), so a cookie
/// alone cannot be used by another site to act for the user.
/// </remarks>
public interface IGenerationOwnerResolver
{
    /// <summary>Returns the calling user's id, or <see langword="null"/> (or empty) when the caller is anonymous.</summary>
    /// <param name="context">The request.</param>
    /// <returns>The user's id.</returns>
    ValueTask<string?> GetUserIdAsync(HttpContext context);
}
