using System.Globalization;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Azure.Storage.Blobs.Hosting;

/// <summary>
/// Binds <see cref="AzureBlobFileSinkOptions"/> from configuration when the container has one:
/// <c>IterationStreaming:BlobStorage</c> itself may hold the connection string
/// (<c>--IterationStreaming:BlobStorage=UseDevelopmentStorage=true</c>), and its children the other settings
/// (<c>IterationStreaming:BlobStorage:Container=my-files</c>). Code passed to <c>AddAzureBlobFileSink</c> runs after, so it wins.
/// </summary>
/// <remarks>Read key by key (no reflection binder): the options also hold a client that configuration cannot set.</remarks>
internal sealed class BindBlobStorageConfiguration(IServiceProvider services) : IConfigureOptions<AzureBlobFileSinkOptions>
{
    public const string SectionName = IterationStreamingOptions.SectionName + ":BlobStorage";

    public void Configure(AzureBlobFileSinkOptions options)
    {
        if (services.GetService<IConfiguration>()?.GetSection(SectionName) is not { } section)
        {
            return;
        }

        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            options.ConnectionString = section.Value;
        }

        options.ConnectionString = section[nameof(options.ConnectionString)] ?? options.ConnectionString;
        options.Container = section[nameof(options.Container)] ?? options.Container;
        if (section[nameof(options.MaxConcurrentRequests)] is { } text)
        {
            options.MaxConcurrentRequests = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new InvalidOperationException($"{SectionName}:{nameof(options.MaxConcurrentRequests)} must be a whole number, but was '{text}'.");
        }
    }
}
