using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.AspNetCore.Security;

/// <summary>An owner resolver from a delegate (see <c>AddGenerationOwnerResolver(Func)</c>).</summary>
internal sealed class DelegateOwnerResolver(Func<HttpContext, ValueTask<string?>> resolve) : IGenerationOwnerResolver
{
    public ValueTask<string?> GetUserIdAsync(HttpContext context) => resolve(context);
}
