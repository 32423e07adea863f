using Azure.Storage.Blobs;
using Iteration.Streaming.Azure.Storage.Blobs.Hosting;
using Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;
using Iteration.Streaming.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures.BlobSinkHarness;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Hosting;

[Collection(AzuriteCollection.Name)]
public sealed class AddAzureBlobFileSinkTests(AzuriteFixture azurite) : IDisposable
{
    private readonly List<ServiceProvider> _providers = [];

    public void Dispose()
    {
        foreach (var provider in _providers)
        {
            provider.Dispose();
        }
    }

    [Fact]
    public async Task AddAzureBlobFileSink_ReplacesTheFileSink_AndSavesInTheNamedContainer()
    {
        var container = AzuriteFixture.NewContainerName();
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddFileSystemSink("ignored").AddAzureBlobFileSink(azurite.ConnectionString, container);
        var provider = Build(services);

        var sink = provider.GetRequiredService<IFileSink>();
        var id = NewId();
        await sink.CreateAsync(id, null);

        services.Count(d => d.ServiceType == typeof(IFileSink)).Should().Be(1);
        sink.GetType().Name.Should().Be("AzureBlobFileSink");
        (await Blob(container, $"generations/{id}/manifest.json").ExistsAsync()).Value.Should().BeTrue();
    }

    [Fact]
    public async Task AddAzureBlobFileSink_WithAClient_SendsThroughIt()
    {
        var handler = new FaultInjectingHandler();
        var container = AzuriteFixture.NewContainerName();
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink(azurite.CreateClient(handler), container);
        var provider = Build(services);

        await provider.GetRequiredService<IFileSink>().CreateAsync(NewId(), null);

        handler.Requests.Should().Contain(r => r.Contains($"/{container}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddAzureBlobFileSink_FromConfiguration_TakesTheConnectionStringAndTheContainer()
    {
        var container = AzuriteFixture.NewContainerName();
        var services = WithConfiguration(new()
        {
            ["IterationStreaming:BlobStorage"] = azurite.ConnectionString,
            ["IterationStreaming:BlobStorage:Container"] = container,
            ["IterationStreaming:BlobStorage:MaxConcurrentRequests"] = "3",
        });
        services.AddIterationStreaming().AddAzureBlobFileSink();
        var provider = Build(services);

        var sink = provider.GetRequiredService<IFileSink>();
        var id = NewId();
        await sink.CreateAsync(id, null);

        provider.GetRequiredService<IOptions<AzureBlobFileSinkOptions>>().Value.MaxConcurrentRequests.Should().Be(3);
        (await Blob(container, $"generations/{id}/manifest.json").ExistsAsync()).Value.Should().BeTrue();
    }

    [Fact]
    public void AddAzureBlobFileSink_FromConfiguration_DefaultsTheContainerToGenerations()
    {
        var services = WithConfiguration(new() { ["IterationStreaming:BlobStorage:ConnectionString"] = azurite.ConnectionString });
        services.AddIterationStreaming().AddAzureBlobFileSink();
        var provider = Build(services);

        var options = provider.GetRequiredService<IOptions<AzureBlobFileSinkOptions>>().Value;

        options.Container.Should().Be("generations");
        options.ConnectionString.Should().Be(azurite.ConnectionString);
    }

    [Fact]
    public void AddAzureBlobFileSink_CodeWinsOverConfiguration()
    {
        var services = WithConfiguration(new()
        {
            ["IterationStreaming:BlobStorage"] = "UseDevelopmentStorage=true",
            ["IterationStreaming:BlobStorage:Container"] = "from-config",
        });
        services.AddIterationStreaming().AddAzureBlobFileSink(azurite.ConnectionString, "from-code", o => o.MaxConcurrentRequests = 2);
        var provider = Build(services);

        var options = provider.GetRequiredService<IOptions<AzureBlobFileSinkOptions>>().Value;

        options.Container.Should().Be("from-code");
        options.ConnectionString.Should().Be(azurite.ConnectionString);
        options.MaxConcurrentRequests.Should().Be(2);
    }

    [Fact]
    public void Start_WithoutAConnectionString_FailsNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink();

        var act = () => Build(services).GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*IterationStreaming:BlobStorage:ConnectionString must be set*");
    }

    [Fact]
    public void Start_WithAMalformedConnectionString_FailsWithoutShowingIt()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink("AccountKey=TopSecretValue;no-equals-sign", "generations");

        var act = () => Build(services).GetRequiredService<IStartupValidator>().Validate();

        var thrown = act.Should().Throw<OptionsValidationException>().Which;
        thrown.Message.Should().Contain("IterationStreaming:BlobStorage:ConnectionString is not a valid").And.NotContain("TopSecretValue");
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Generations")]
    [InlineData("-generations")]
    [InlineData("generations-")]
    [InlineData("gen--erations")]
    [InlineData("gen_erations")]
    [InlineData("gen/erations")]
    [InlineData("$root")]
    public void Start_WithAnInvalidContainerName_FailsNamingTheSetting(string container)
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink(azurite.ConnectionString, container);

        var act = () => Build(services).GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage($"*IterationStreaming:BlobStorage:Container must be 3 to 63*'{container}'*");
    }

    [Fact]
    public void Start_WithAnOverlongContainerName_Fails()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink(azurite.ConnectionString, new string('a', 64));

        var act = () => Build(services).GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*Container*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Start_WithMaxConcurrentRequestsOutOfRange_FailsNamingTheSetting(int value)
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink(azurite.ConnectionString, "generations", o => o.MaxConcurrentRequests = value);

        var act = () => Build(services).GetRequiredService<IStartupValidator>().Validate();

        act.Should().Throw<OptionsValidationException>().WithMessage("*IterationStreaming:BlobStorage:MaxConcurrentRequests must be between 1 and 64*");
    }

    [Fact]
    public void Configuration_WithANonNumericMaxConcurrentRequests_FailsNamingTheKey()
    {
        var services = WithConfiguration(new()
        {
            ["IterationStreaming:BlobStorage"] = azurite.ConnectionString,
            ["IterationStreaming:BlobStorage:MaxConcurrentRequests"] = "many",
        });
        services.AddIterationStreaming().AddAzureBlobFileSink();

        var act = () => Build(services).GetRequiredService<IOptions<AzureBlobFileSinkOptions>>().Value;

        act.Should().Throw<InvalidOperationException>().WithMessage("*IterationStreaming:BlobStorage:MaxConcurrentRequests must be a whole number*'many'*");
    }

    [Fact]
    public void Start_WithAValidConnectionString_SendsNoRequest()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming().AddAzureBlobFileSink(AzuriteFixture.ConnectionStringFor(1), "generations");

        var act = () => Build(services).GetRequiredService<IStartupValidator>().Validate();

        act.Should().NotThrow("validation parses the connection string; it does not reach the service");
    }

    [Fact]
    public void AddAzureBlobFileSink_RefusesMissingArguments()
    {
        var builder = new ServiceCollection().AddIterationStreaming();

        FluentActions.Invoking(() => builder.AddAzureBlobFileSink((string)null!, "generations")).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => builder.AddAzureBlobFileSink(" ", "generations")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => builder.AddAzureBlobFileSink(azurite.ConnectionString, "")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => builder.AddAzureBlobFileSink((BlobServiceClient)null!, "generations")).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => AzureStorageBlobsIterationStreamingBuilderExtensions.AddAzureBlobFileSink(null!)).Should().Throw<ArgumentNullException>();
    }

    private static ServiceCollection WithConfiguration(Dictionary<string, string?> values)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return services;
    }

    private ServiceProvider Build(ServiceCollection services)
    {
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return provider;
    }

    private BlobClient Blob(string container, string name) => azurite.CreateClient().GetBlobContainerClient(container).GetBlobClient(name);
}
