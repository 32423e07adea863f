using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Client.Tests.Hosting;

/// <summary><c>AddIterationClient</c>: a typed client of IHttpClientFactory, its options validated.</summary>
public sealed class AddIterationClientTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;

    public async Task InitializeAsync() => _host = await KestrelTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task AddIterationClient_ResolvedClient_StartsAndWatchesARun()
    {
        var services = new ServiceCollection();
        services.AddIterationClient(_host.BaseAddress, o => o.StallTimeout = TimeSpan.FromMinutes(1));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IterationClient>();
        var handle = await client.StartAsync("Build a task app", ["User"]);
        var events = await client.WatchAsync(handle).CollectAsync();

        events[^1].Status.Should().Be(GenerationStatus.Completed);
    }

    [Fact]
    public void AddIterationClient_ConfiguresTheTypedHttpClient_WithTheBaseAddressAndNoOverallTimeout()
    {
        var services = new ServiceCollection();
        services.AddIterationClient(_host.BaseAddress);
        using var provider = services.BuildServiceProvider();

        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(typeof(IterationClient).Name);

        http.BaseAddress.Should().Be(_host.BaseAddress);
        http.Timeout.Should().Be(Timeout.InfiniteTimeSpan);
    }

    [Fact]
    public async Task AddIterationClient_UsesTheRegisteredTimeProviderAndLogger()
    {
        // Nothing listens: the first attempt fails, the client waits an hour on the registered clock, then gives up.
        var time = new TimerSignallingTimeProvider(TimeSpan.FromHours(1));
        var services = new ServiceCollection().AddSingleton<TimeProvider>(time).AddFakeLogging();
        services.AddIterationClient(Watching.WatchCancellationTests.ClosedPort(), o =>
        {
            o.InitialReconnectDelay = TimeSpan.FromHours(1);
            o.MaxReconnectDelay = TimeSpan.FromHours(1);
            o.MaxConsecutiveFailures = 1;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IterationClient>();

        var watching = client.WatchAsync(TestEvents.NewId(), "token").CollectAsync();
        await time.LongTimerCreated.Task.WithPatience();
        time.Advance(TimeSpan.FromHours(1));
        var act = () => watching.WithPatience();

        await act.Should().ThrowAsync<IterationStreamException>();
        var records = provider.GetFakeLogCollector().GetSnapshot();
        records.Should().ContainSingle(r => r.Id.Id == 4001, "the reconnect is logged through the registered logger factory");
        records.Should().ContainSingle(r => r.Id.Id == 4005);
    }

    [Fact]
    public void IterationClient_PublicConstructors_TakeNoServiceProvider()
    {
        var parameters = typeof(IterationClient).GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType);

        parameters.Should().NotContain(typeof(IServiceProvider)).And.NotContain(typeof(IOptions<IterationClientOptions>));
    }

    [Fact]
    public void AddIterationClient_ReturnsTheHttpClientBuilder_ForHandlers()
    {
        var services = new ServiceCollection();

        var builder = services.AddIterationClient(_host.BaseAddress);

        builder.Name.Should().Be(typeof(IterationClient).Name);
    }

    [Theory]
    [InlineData("StallTimeout")]
    [InlineData("InitialReconnectDelay")]
    [InlineData("MaxReconnectDelay")]
    [InlineData("MaxConsecutiveFailures")]
    [InlineData("RoutePrefix")]
    public void AddIterationClient_InvalidOptions_FailValidationNamingTheSetting(string setting)
    {
        var services = new ServiceCollection();
        services.AddIterationClient(_host.BaseAddress, o => IterationClientOptionsTests.Break(o, setting));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IterationClient>();

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain(setting);
    }

    [Fact]
    public async Task AddIterationClient_InvalidOptionsUnderAHost_FailAtStart()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddIterationClient(_host.BaseAddress, o => o.StallTimeout = TimeSpan.Zero);
        using var app = builder.Build();

        var act = () => app.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("StallTimeout");
    }

    [Fact]
    public void AddIterationClient_NullArguments_Throw()
    {
        var services = new ServiceCollection();

        ((Action)(() => IterationClientServiceCollectionExtensions.AddIterationClient(null!, _host.BaseAddress))).Should().Throw<ArgumentNullException>().WithParameterName("services");
        ((Action)(() => services.AddIterationClient(null!))).Should().Throw<ArgumentNullException>().WithParameterName("baseAddress");
    }

    [Theory]
    [InlineData("generations/", UriKind.Relative)]
    [InlineData("ftp://127.0.0.1/", UriKind.Absolute)]
    [InlineData("file:///etc/passwd", UriKind.Absolute)]
    public void AddIterationClient_BaseAddressNotAnHttpUrl_ThrowsArgumentException(string address, UriKind kind)
    {
        var act = () => new ServiceCollection().AddIterationClient(new Uri(address, kind));

        act.Should().Throw<ArgumentException>().WithParameterName("baseAddress");
    }

    [Fact]
    public async Task Client_BaseAddressWithAPath_KeepsThePath()
    {
        await using var host = await KestrelTestHost.StartAsync(configureApp: app =>
        {
            app.UsePathBase("/api");
            app.UseRouting();
            app.MapIterationStream();
        });
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseAddress, "api") };
        var client = new IterationClient(http);

        var handle = await client.StartAsync("Build a task app");
        var events = await client.WatchAsync(handle).CollectAsync();

        handle.StreamUrl.Should().StartWith("/api/generations/");
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        (await client.ListFilesAsync(handle)).Files.Should().NotBeEmpty();
    }

    [Fact]
    public async Task Client_CustomRoutePrefix_IsUsedForEveryCall()
    {
        await using var host = await KestrelTestHost.StartAsync(configureApp: app => app.MapIterationStream("/v1/runs"));
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var client = new IterationClient(http, new IterationClientOptions { RoutePrefix = "/v1/runs/" });

        var parent = await client.StartAsync("Build a task app");
        await client.WatchAsync(parent).CollectAsync();
        var child = await client.IterateAsync(parent, "Add dates");
        var events = await client.WatchAsync(child).CollectAsync();

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        (await client.GetSnapshotAsync(child)).Status.Should().Be(GenerationStatus.Completed);
        (await client.CancelAsync(child)).Should().BeFalse();
    }
}

/// <summary>The fake clock, telling the test when a timer at least <c>dueAtLeast</c> long is set on it.</summary>
internal sealed class TimerSignallingTimeProvider(TimeSpan dueAtLeast) : FakeTimeProvider
{
    public TaskCompletionSource LongTimerCreated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime >= dueAtLeast && dueTime != Timeout.InfiniteTimeSpan)
        {
            LongTimerCreated.TrySetResult();
        }

        return timer;
    }
}
