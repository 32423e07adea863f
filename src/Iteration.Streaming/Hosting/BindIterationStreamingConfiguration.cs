using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Binds <see cref="IterationStreamingOptions"/> from the <c>IterationStreaming</c> section when the container has an
/// <see cref="IConfiguration"/>; a bare service collection (a console tool, a test) needs none.
/// </summary>
internal sealed class BindIterationStreamingConfiguration(IServiceProvider services) : IConfigureOptions<IterationStreamingOptions>
{
    public void Configure(IterationStreamingOptions options)
    {
        var configuration = services.GetService<IConfiguration>();
        configuration?.GetSection(IterationStreamingOptions.SectionName).Bind(options);
    }
}
