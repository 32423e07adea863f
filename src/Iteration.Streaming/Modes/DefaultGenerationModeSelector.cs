using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Events;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Modes;

/// <summary>
/// Buckets a run by a hash of its generation id: the same id always lands in the same group, and ids spread evenly.
/// Without modes configured (no <see cref="GenerationModeOptions.EnhancedShare"/>, no enhanced features) every run gets
/// <see cref="GenerationModeAssignment.Unconfigured"/>: its events say nothing of modes.
/// </summary>
internal sealed class DefaultGenerationModeSelector(IOptionsMonitor<GenerationModeOptions> options) : IGenerationModeSelector
{
    public ValueTask<GenerationModeAssignment> SelectAsync(GenerationModeSelectionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = options.CurrentValue;
        if (settings.EnhancedShare <= 0.0 && settings.EnhancedFeatures.Count == 0)
        {
            return ValueTask.FromResult(GenerationModeAssignment.Unconfigured);
        }

        var share = Math.Clamp(settings.EnhancedShare, 0.0, 1.0);
        var enhanced = Bucket(context.GenerationId) < share;
        var experiment = share is > 0.0 and < 1.0;

        Dictionary<string, bool>? features = null;
        if (settings.EnhancedFeatures.Count > 0)
        {
            features = new Dictionary<string, bool>(StringComparer.Ordinal);
            foreach (var feature in settings.EnhancedFeatures)
            {
                features[feature] = enhanced;
            }
        }

        return ValueTask.FromResult(new GenerationModeAssignment(
            enhanced ? GenerationModes.Enhanced : GenerationModes.Classic,
            experiment ? (enhanced ? settings.TreatmentGroup : settings.ControlGroup) : null,
            features));
    }

    /// <summary>A stable number in [0, 1) for a generation id.</summary>
    internal static double Bucket(string generationId)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(generationId), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
