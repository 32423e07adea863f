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
        if (configuration is null)
        {
            return;
        }

        var section = configuration.GetSection(IterationStreamingOptions.SectionName);
        section.Bind(options);

        // AfterPhases may be written as a JSON array ([1, 3]): the binder leaves the string empty, so join the items.
        var afterPhases = section.GetSection(nameof(IterationStreamingOptions.DefaultReview)).GetSection(nameof(ReviewOptions.AfterPhases));
        if (afterPhases.Value is null && afterPhases.GetChildren().Select(static c => c.Value).ToList() is { Count: > 0 } items)
        {
            options.DefaultReview.AfterPhases = string.Join(',', items);
        }
    }
}
