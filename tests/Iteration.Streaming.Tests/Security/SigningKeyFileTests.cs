using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Security;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Security;

/// <summary><see cref="IterationStreamingOptions.SigningKeyFile"/>: a generated key kept in a file, so tokens outlive a restart.</summary>
public sealed class SigningKeyFileTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("iteration-streaming-key-");
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);
    private readonly InMemoryGenerationRecordStore _records;

    public SigningKeyFileTests() => _records = new InMemoryGenerationRecordStore(_clock);

    private string KeyPath => Path.Combine(_folder.FullName, "data", "signing-key");

    public void Dispose() => _folder.Delete(recursive: true);

    /// <summary>One start of a host: its own container over the same record store, as after a restart with a durable store.</summary>
    private ServiceProvider Start(Action<IterationStreamingOptions> configure)
    {
        var provider = new ServiceCollection()
            .AddSingleton<TimeProvider>(_clock)
            .AddSingleton<IGenerationRecordStore>(_records)
            .AddIterationStreaming(configure).Services
            .BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider;
    }

    [Fact]
    public void Start_NoKeyFileYet_CreatesOneWithAGeneratedKeyOnlyTheOwnerMayRead()
    {
        using var host = Start(o => o.SigningKeyFile = KeyPath);

        var key = File.ReadAllText(KeyPath);
        key.Length.Should().BeGreaterThanOrEqualTo(32);
        host.GetRequiredService<IOptions<IterationStreamingOptions>>().Value.SigningKey.Should().Be(key);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(KeyPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public async Task ValidateAsync_TokenIssuedBeforeARestart_IsStillValid()
    {
        var id = TestEvents.NewId();
        await _records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "Build a task app",
            Entities = ["User"],
            Status = GenerationStatus.Processing,
            CreatedAt = _clock.GetUtcNow(),
        });
        string token;
        using (var before = Start(o => o.SigningKeyFile = KeyPath))
        {
            token = before.GetRequiredService<IStreamTokenService>().IssueToken(id, StreamTokenScope.Control);
        }

        using var after = Start(o => o.SigningKeyFile = KeyPath);
        var status = await after.GetRequiredService<IStreamTokenService>().ValidateAsync(id, token, StreamTokenScope.Control);

        status.Should().Be(StreamTokenStatus.Valid);
    }

    [Fact]
    public void Start_SigningKeyConfiguredToo_UsesItAndLeavesTheFileAlone()
    {
        const string Key = "a-configured-signing-key-of-at-least-32-characters";

        using var host = Start(o =>
        {
            o.SigningKey = Key;
            o.SigningKeyFile = KeyPath;
        });

        host.GetRequiredService<IOptions<IterationStreamingOptions>>().Value.SigningKey.Should().Be(Key);
        File.Exists(KeyPath).Should().BeFalse();
    }

    [Fact]
    public void Start_KeyFileHoldsAShortKey_FailsNamingTheFileAndTheSetting()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyPath)!);
        File.WriteAllText(KeyPath, "too-short\n");

        var act = () => Start(o => o.SigningKeyFile = KeyPath);

        act.Should().Throw<InvalidOperationException>()
            .WithMessage($"The signing key file '{KeyPath}' (IterationStreaming:SigningKeyFile) holds 9 characters; a key needs at least 32.*");
    }

    [Fact]
    public void Start_KeyFileCannotBeCreated_FailsNamingTheSetting()
    {
        var blocker = Path.Combine(_folder.FullName, "a-file");
        File.WriteAllText(blocker, "a file where the key's folder should be");

        var act = () => Start(o => o.SigningKeyFile = Path.Combine(blocker, "signing-key"));

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("*(IterationStreaming:SigningKeyFile) cannot be read or created*")
            .Which.InnerException.Should().BeAssignableTo<IOException>();
    }

    [Fact]
    public void Start_RelativeKeyFile_IsResolvedAgainstTheCurrentDirectory()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, KeyPath);

        using var host = Start(o => o.SigningKeyFile = relative);

        File.Exists(KeyPath).Should().BeTrue();
    }

    [Fact]
    public async Task ReadOrCreate_ManyStartsAtOnce_AgreeOnOneKeyAndLeaveNoTemporaryFile()
    {
        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SigningKeyFile.ReadOrCreate(KeyPath))));

        keys.Distinct().Should().ContainSingle().Which.Should().Be(File.ReadAllText(KeyPath));
        Directory.GetFiles(Path.GetDirectoryName(KeyPath)!).Should().Equal(KeyPath);
    }
}
