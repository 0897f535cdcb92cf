#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Writes files so that a crash never leaves one half written: a temporary file in the same
/// folder, fsync, rename over the target, fsync of the folder. Files are created owner-only
/// (0600) because most hold private keys.
public enum SecureFile {
    public static func write(_ bytes: [UInt8], to url: URL, mode: mode_t = 0o600) throws(IdentityError) {
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/.\(url.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        var ok = bytes.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)  // safe: non-empty when off < count
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, url.path) == 0 else {
            unlink(tmp)
            throw .io("cannot write \(url.path): \(String(cString: strerror(errno)))")
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Creates a folder (and its parents) readable by the owner only.
    public static func makeDirectory(_ url: URL) throws(IdentityError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io("cannot create \(url.path): \(error)")
        }
    }

    /// Reads a whole file of at most `limit` bytes; a bigger one is refused, not truncated.
    public static func read(_ url: URL, limit: Int = 32 << 20) throws(IdentityError) -> [UInt8] {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot read \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }  // safe: 64 KiB buffer
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .io("cannot read \(url.path): \(String(cString: strerror(errno)))") }
            if n == 0 { return out }
            out += chunk[..<n]
            guard out.count <= limit else { throw .malformed("\(url.lastPathComponent) is larger than \(limit >> 20) MiB") }
        }
    }
}
