package dev.eventbus.producer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * The partition function of partitioned streams: CRC-32 (IEEE 802.3, the checksum of zlib, gzip
 * and PNG) over the subject's UTF-8 bytes, as an unsigned 32-bit number, modulo the partition count.
 *
 * <p>CRC-32 because every producer language has it in its standard library under that name
 * (Python {@code zlib.crc32}, Go {@code hash/crc32.ChecksumIEEE}, Java {@code java.util.zip.CRC32},
 * Node {@code zlib.crc32}, Ruby {@code Zlib.crc32}, PHP {@code crc32}), so nobody reimplements it;
 * and every input bit reaches the low bits the modulo keeps, which FNV-1a, for instance, does not
 * give for a power-of-two partition count (its multiply carries low bits upward only).
 *
 * <p>Stateless.
 */
public final class SubjectHash {

    private SubjectHash() {}

    /** CRC-32 of the subject's UTF-8 bytes, unsigned. */
    public static long crc32(String subject) {
        CRC32 crc = new CRC32();
        crc.update(utf8(subject));
        return crc.getValue();
    }

    /**
     * @param partitions the partition count, at least 1
     * @return the subject's partition, in {@code [0, partitions)}
     */
    public static int partition(String subject, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        return (int) (crc32(subject) % partitions);
    }

    /**
     * Strict: a string with an unpaired surrogate has no UTF-8 form. Lenient encoding would hash a
     * '?' in its place, and the runtime, which decodes what was written, would see another subject.
     */
    private static byte[] utf8(String subject) {
        try {
            ByteBuffer bytes = StandardCharsets.UTF_8
                    .newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(subject));
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "subject is not valid Unicode (an unpaired surrogate): it has no UTF-8 form");
        }
    }
}
