using Iteration.Streaming.Sample.Web.Tests.Durability;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

/// <summary>
/// The real sample process started with a setting that stops it: one line on standard error naming the setting the
/// host reads, exit code 1, and no stack trace unless asked for.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("iteration-sample-start-").FullName;

    [Theory]
    [InlineData("--IterationStreaming:HeartbeatInterval=banana", "IterationStreaming:HeartbeatInterval is 'banana', which is not a duration")]
    [InlineData("--Demo:FileDelay=-1", "Demo:FileDelay must be between 00:00:00 and 00:01:00")]
    [InlineData("--IterationStreaming:SigningKey=too-short", "IterationStreaming:SigningKey must be at least 32 characters")]
    [InlineData("--Sample:StartsPerMinute=many", "Sample:StartsPerMinute is 'many', which is not a whole number")]
    [InlineData("--Sample:CorsOrigins=*", "Sample:CorsOrigins may not be '*'")]
    [InlineData("--Sample:CorsOrigins=http://localhost:5173/app", "Sample:CorsOrigins holds 'http://localhost:5173/app', which is not an origin")]
    public async Task Start_WithAnInvalidSetting_ExitsWithOneLineNamingIt(string setting, string expected)
    {
        var exit = await SampleExit.RunAsync(_data, setting);

        exit.ExitCode.Should().Be(1, exit.All);
        exit.Errors.Should().ContainSingle().Which.Should().Contain(expected);
        AssertNoStackTrace(exit);
    }

    [Fact]
    public async Task Start_OnAStoreAnotherHostHolds_ExitsWithOneLineNamingSampleDatabase()
    {
        await using var first = await SampleProcess.StartAsync(_data, SampleProcess.FreePort());

        var exit = await SampleExit.RunAsync(_data);

        exit.ExitCode.Should().Be(1, exit.All);
        exit.Errors.Should().ContainSingle().Which.Should()
            .Contain("in use by another host").And.Contain("(Sample:Database)").And.NotContain("IterationStreaming:Sqlite:Path");
        AssertNoStackTrace(exit);
    }

    [Fact]
    public async Task Start_OnAPortInUse_ExitsWithOneLineNamingUrls()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var exit = await SampleExit.RunAsync(_data, $"--urls=http://127.0.0.1:{port}");

        exit.ExitCode.Should().Be(1, exit.All);
        exit.Errors.Should().ContainSingle().Which.Should().Contain($"127.0.0.1:{port}").And.Contain("--urls");
        AssertNoStackTrace(exit);
    }

    [Fact]
    public async Task Start_WithAnInvalidSettingAndVerbose_PrintsTheStackTrace()
    {
        var exit = await SampleExit.RunAsync(_data, "--Demo:FileDelay=-1", "--verbose");

        exit.ExitCode.Should().Be(1, exit.All);
        exit.Errors.Should().Contain(line => line.Contains("Demo:FileDelay must be between", StringComparison.Ordinal));
        exit.Errors.Should().Contain(line => line.StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WithAnInvalidSetting_SaysNothingAboutRunsKeptToResume()
    {
        var exit = await SampleExit.RunAsync(_data, "--Demo:FileDelay=-1");

        exit.All.Should().NotContain("kept to resume");
    }

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private static void AssertNoStackTrace(SampleExit exit)
    {
        exit.All.Should().NotContain("Unhandled exception").And.NotContain("Hosting failed to start");
        exit.Output.Concat(exit.Errors).Should().NotContain(line => line.StartsWith("at ", StringComparison.Ordinal));
    }
}
