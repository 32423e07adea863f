using Azure.Storage.Blobs;
using Iteration.Streaming.Azure.Storage.Blobs.Files;
using Iteration.Streaming.Azure.Storage.Blobs.Hosting;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Saves Iteration.Streaming's generated files in Azure Blob Storage, so app instances share no disk.
/// </summary>
public static class AzureStorageBlobsIterationStreamingBuilderExtensions
{
    /// <summary>
    /// Saves files in <paramref name="containerName"/> of the storage account that <paramref name="connectionString"/>
    /// names, replacing the registered file sink. The container is created when missing; options are validated when
    /// the host starts.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="connectionString">The storage account's connection string (<c>UseDevelopmentStorage=true</c> for Azurite).</param>
    /// <param name="containerName">The blob container, for example <c>generations</c>.</param>
    /// <param name="configure">Configures the other options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddAzureBlobFileSink(
        this IIterationStreamingBuilder builder,
        string connectionString,
        string containerName,
        Action<AzureBlobFileSinkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(containerName);
        return AddCore(builder, options =>
        {
            options.ConnectionString = connectionString;
            options.Container = containerName;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Saves files in <paramref name="containerName"/> through an existing client (its credential, retries and
    /// transport), replacing the registered file sink. The container is created when missing.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="serviceClient">The client of the storage account.</param>
    /// <param name="containerName">The blob container, for example <c>generations</c>.</param>
    /// <param name="configure">Configures the other options.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddAzureBlobFileSink(
        this IIterationStreamingBuilder builder,
        BlobServiceClient serviceClient,
        string containerName,
        Action<AzureBlobFileSinkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(serviceClient);
        ArgumentException.ThrowIfNullOrWhiteSpace(containerName);
        return AddCore(builder, options =>
        {
            options.ServiceClient = serviceClient;
            options.Container = containerName;
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Saves files in blob storage with every setting from configuration (<c>IterationStreaming:BlobStorage</c> holds the
    /// connection string, <c>IterationStreaming:BlobStorage:Container</c> the container, default <c>generations</c>)
    /// and then <paramref name="configure"/>, replacing the registered file sink.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddIterationStreaming</c>.</param>
    /// <param name="configure">Configures the options after configuration is bound.</param>
    /// <returns>The builder.</returns>
    public static IIterationStreamingBuilder AddAzureBlobFileSink(this IIterationStreamingBuilder builder, Action<AzureBlobFileSinkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return AddCore(builder, configure ?? (static _ => { }));
    }

    private static IIterationStreamingBuilder AddCore(IIterationStreamingBuilder builder, Action<AzureBlobFileSinkOptions> configure)
    {
        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<AzureBlobFileSinkOptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<AzureBlobFileSinkOptions>, BindBlobStorageConfiguration>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AzureBlobFileSinkOptions>, AzureBlobFileSinkOptionsValidator>());

        // Later calls only add their settings, applied in order (after configuration binding: code wins).
        services.Configure(configure);

        services.RemoveAll<IFileSink>();
        services.AddSingleton<IFileSink>(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<AzureBlobFileSinkOptions>>().Value;
            var client = options.ServiceClient ?? new BlobServiceClient(options.ConnectionString);
            return new AzureBlobFileSink(
                client.GetBlobContainerClient(options.Container),
                sp.GetRequiredService<IOptionsMonitor<IterationStreamingOptions>>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILogger<AzureBlobFileSink>>(),
                options.MaxConcurrentRequests);
        });
        return builder;
    }
}
