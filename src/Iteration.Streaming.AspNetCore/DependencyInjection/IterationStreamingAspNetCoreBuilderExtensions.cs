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
    /// caller, and the recorded owner may iterate, cancel and retry without the control token. Resolved per request, so
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
}
