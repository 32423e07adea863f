using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.AspNetCore.Security;

/// <summary>
/// The owner from ASP.NET Core authentication (see <c>AddClaimsOwnerResolver</c>): a claim of an authenticated identity
/// of <see cref="HttpContext.User"/>; anonymous callers (and identities the host's handlers did not authenticate) have none.
/// </summary>
/// <remarks>
/// With a claim type configured only that claim counts: falling back to another would give one user two ids (their
/// generations split in two lists) or let one user's <c>sub</c> meet another's name identifier.
/// </remarks>
internal sealed class ClaimsOwnerResolver(string? claimType) : IGenerationOwnerResolver
{
    /// <summary>The OpenID Connect subject claim, as JWT bearer and OIDC handlers keep it when claim mapping is off.</summary>
    public const string SubjectClaim = "sub";

    public ValueTask<string?> GetUserIdAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var identity in context.User.Identities)
        {
            if (identity.IsAuthenticated && Find(identity) is { Length: > 0 } userId)
            {
                return ValueTask.FromResult<string?>(userId);
            }
        }

        return ValueTask.FromResult<string?>(null);
    }

    private string? Find(ClaimsIdentity identity) => claimType is not null
        ? identity.FindFirst(claimType)?.Value
        : (identity.FindFirst(SubjectClaim) ?? identity.FindFirst(ClaimTypes.NameIdentifier))?.Value;
}
