using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sqlite.Hosting;

/// <summary>
/// Binds <see cref="SqliteStoreOptions"/> from configuration when the container has one: <c>IterationStreaming:Sqlite</c>
/// itself may hold the path (<c>--IterationStreaming:Sqlite=data/app.db</c>), and its children every setting
/// (<c>IterationStreaming:Sqlite:BusyTimeout=00:00:10</c>). Code passed to <c>AddSqliteStore</c> runs after, so it wins.
/// </summary>
internal sealed class BindSqliteConfiguration(IServiceProvider services) : IConfigureOptions<SqliteStoreOptions>
{
    public void Configure(SqliteStoreOptions options)
    {
        if (services.GetService<IConfiguration>()?.GetSection(SqliteStoreOptions.SectionName) is not { } section)
        {
            return;
        }

        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            options.Path = section.Value;
        }

        section.Bind(options);
    }
}
