using System.Buffers;
using MQTTnet;
using MQTTnet.Packets;

namespace SensorOdl.Daemon.Mqtt;

/// <summary>
/// One command as it waits to be handled, copied out of MQTTnet's buffers. A payload over
/// <see cref="CommandProcessor.MaxPayloadBytes"/> keeps only its first that many bytes (enough to read an id and
/// refuse it), so a backlog of huge payloads never holds more than that each.
/// </summary>
public sealed record CommandMessage(byte[] Payload, long Length, string? ResponseTopic, byte[]? CorrelationData, string? Signature)
{
    /// <summary>64 hex digits make a signature; longer values are cut (they still fail the check).</summary>
    const int MaxSignatureChars = 128;

    public bool Oversize => Length > Payload.Length;

    /// <summary>Bytes this message holds while it waits.</summary>
    public long Cost => Payload.Length + (CorrelationData?.Length ?? 0) + 2L * ((ResponseTopic?.Length ?? 0) + (Signature?.Length ?? 0));

    public static CommandMessage From(MqttApplicationMessage message)
    {
        long length = message.Payload.Length;
        byte[] payload = message.Payload.Slice(0, Math.Min(length, CommandProcessor.MaxPayloadBytes)).ToArray();
        string? signature = message.UserProperties?.FirstOrDefault(p => p.Name == CommandSignature.Property)?.ReadValueAsString();
        if (signature is { Length: > MaxSignatureChars }) signature = signature[..MaxSignatureChars]; // cannot match anyway; need not be held

        return new CommandMessage(payload, length, string.IsNullOrEmpty(message.ResponseTopic) ? null : message.ResponseTopic,
            message.CorrelationData is { Length: > 0 } c ? [.. c] : null, signature);
    }
}
