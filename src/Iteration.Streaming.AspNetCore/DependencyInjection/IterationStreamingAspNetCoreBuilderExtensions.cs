using System.Diagnostics.CodeAnalysis;
using Iteration.Streaming.AspNetCore.Security;
using Iteration.Streaming.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Plugs the host's ASP.NET Core parts into Iteration.Streaming's endpoints. Each call replaces what was registered before.
/// </summary>
public static class IterationStreamingAspNetCoreBuilderExtensions
{
    /// <summary>
    /// Registers who owns generations (see <see cref="IGenerationOwnerResolver"/>): start, iterate and retry record the
    /// caller, and the recorded owner may read, iterate, cancel and retry without tokens and list their generations. Resolved per request, so
    /// it may depend on scoped services.
    /// </summary>
    /// <typeparam name="TResolver">The resolver.</typeparam>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddGenerationOwnerResolver<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TResolver>(
        this IIterationStreamingBuilder builder)
        where TResolver : class, IGenerationOwnerResolver
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IGenerationOwnerResolver>();
        builder.Services.AddScoped<IGenerationOwnerResolver, TResolver>();
        return builder;
    }

    /// <summary>
    /// Registers who owns generations with a delegate, for example
    /// <c>context =&gt; ValueTask.FromResult(context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value)</c>.
    /// </summary>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <param name="resolve">Returns the caller's user id, or <see langword="null"/> when anonymous.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddGenerationOwnerResolver(this IIterationStreamingBuilder builder, Func<HttpContext, ValueTask<string?>> resolve)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(resolve);
        builder.Services.RemoveAll<IGenerationOwnerResolver>();
        builder.Services.AddSingleton<IGenerationOwnerResolver>(new DelegateOwnerResolver(resolve));
        return builder;
    }

    /// <summary>
    /// Registers the signed-in user of ASP.NET Core authentication (<see cref="HttpContext.User"/>, authenticated identities
    /// only) as the owner of generations: the <paramref name="claimType"/> claim when one is named, else <c>sub</c>, else
    /// <see cref="System.Security.Claims.ClaimTypes.NameIdentifier"/>; anonymous callers own nothing. The owner may then
    /// read their generations (stream, snapshot, files, archive) and act on them without tokens, and list them
    /// (<c>GET {prefix}?owner=me</c>), from the host's own pages (see <see cref="IGenerationOwnerResolver"/>).
    /// </summary>
    /// <param name="builder">The builder from <c>AddIterationStreaming</c>.</param>
    /// <param name="claimType">The claim that holds the user's stable id (such as <c>oid</c>); only that one when given.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="claimType"/> is empty or white space.</exception>
    public static IIterationStreamingBuilder AddClaimsOwnerResolver(this IIterationStreamingBuilder builder, string? claimType = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (claimType is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(claimType);
        }

        builder.Services.RemoveAll<IGenerationOwnerResolver>();
        builder.Services.AddSingleton<IGenerationOwnerResolver>(new ClaimsOwnerResolver(claimType));
        return builder;
    }
}
