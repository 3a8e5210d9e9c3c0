"""Java support: :class:`JavaSpec`, built on tree-sitter-java.

:meth:`JavaSpec.undefined_names` is a scope analysis over the tree-sitter parse (the paper ran
``javac`` and read its "cannot find symbol" errors; this answers in about a millisecond, on
half-written code too -- see ``tests/languages/test_java.py`` for the measured comparison).

What binds a name:

* locals, in order (a use above its declaration in the same block is undefined -- the paper's
  ``sum += x`` without ``int sum = 0;``): block declarations, ``for`` init, enhanced-``for``
  variables, ``catch`` parameters, try-with-resources, lambda parameters, pattern variables
  (``o instanceof String s``, ``case Foo f ->``), local classes/records;
* parameters and type parameters of methods, constructors and classes;
* members of the enclosing classes, anywhere in the class: fields, methods, nested types, enum
  constants, record components; members of superclasses/interfaces declared in the file; the
  methods of ``Object`` (and of ``Enum`` in enums, of a few well-known JDK interfaces);
* every class/interface/enum/record declared anywhere in the file;
* imports: ``import a.b.C;`` binds ``C``, ``import static a.b.C.m;`` binds ``m``;
  ``import a.b.*;`` binds the public types of that package for the packages of the JDK 17
  (``java.*``, generated from its module image) and ``org.javatuples``;
* ``java.lang``'s public types; fully qualified names (``java.util.Arrays.sort``: the leftmost
  name is a package root).

Conservative rules (a miss is cheaper than a false alarm): a class extending/implementing a
type not declared in the file (other than a few JDK interfaces with known members) or an
anonymous class body is *open* -- no bare name inside is reported; a wildcard import of a
package this module does not know turns off reports of capitalised names (types) that are not
calls; ``import static ...*;`` turns off reports of variables and calls; identifiers in
``case`` labels (enum constants), annotations, labels and ``ERROR`` nodes are not reported.
Field/method names after a dot are never uses.

A missing ``import`` is detected for the JDK packages listed here: ``Arrays.sort(a)`` without
``import java.util.*;`` (or ``java.util.Arrays``) reports ``Arrays``.
"""

from __future__ import annotations

import re
from typing import Optional

import tree_sitter_java
from tree_sitter import Language, Node

from .clike import CALL, CLikeSpec, Scope, TypeInfo, TypeScopeAnalyzer
from .placement import ImportEntry

__all__ = ["JavaSpec", "JAVA_LANGUAGE", "JDK_TYPES"]

JAVA_LANGUAGE = Language(tree_sitter_java.language())

_JDK_TYPES_SRC = """
java.awt: AWTError AWTEvent AWTEventMulticaster AWTException AWTKeyStroke AWTPermission
    ActiveEvent Adjustable AlphaComposite BasicStroke BorderLayout BufferCapabilities Button Canvas
    CardLayout Checkbox CheckboxGroup CheckboxMenuItem Choice Color Component ComponentOrientation
    Composite CompositeContext Container ContainerOrderFocusTraversalPolicy Cursor
    DefaultFocusTraversalPolicy DefaultKeyboardFocusManager Desktop Dialog Dimension DisplayMode Event
    EventQueue FileDialog FlowLayout FocusTraversalPolicy Font FontFormatException FontMetrics Frame
    GradientPaint Graphics Graphics2D GraphicsConfigTemplate GraphicsConfiguration GraphicsDevice
    GraphicsEnvironment GridBagConstraints GridBagLayout GridBagLayoutInfo GridLayout
    HeadlessException IllegalComponentStateException Image ImageCapabilities Insets ItemSelectable
    JobAttributes KeyEventDispatcher KeyEventPostProcessor KeyboardFocusManager Label LayoutManager
    LayoutManager2 LinearGradientPaint List MediaTracker Menu MenuBar MenuComponent MenuContainer
    MenuItem MenuShortcut MouseInfo MultipleGradientPaint PageAttributes Paint PaintContext Panel
    Point PointerInfo Polygon PopupMenu PrintGraphics PrintJob RadialGradientPaint Rectangle
    RenderingHints Robot ScrollPane ScrollPaneAdjustable Scrollbar SecondaryLoop Shape SplashScreen
    Stroke SystemColor SystemTray Taskbar TextArea TextComponent TextField TexturePaint Toolkit
    Transparency TrayIcon Window
java.io: BufferedInputStream BufferedOutputStream BufferedReader BufferedWriter
    ByteArrayInputStream ByteArrayOutputStream CharArrayReader CharArrayWriter CharConversionException
    Closeable Console DataInput DataInputStream DataOutput DataOutputStream EOFException
    Externalizable File FileDescriptor FileFilter FileInputStream FileNotFoundException
    FileOutputStream FilePermission FileReader FileWriter FilenameFilter FilterInputStream
    FilterOutputStream FilterReader FilterWriter Flushable IOError IOException InputStream
    InputStreamReader InterruptedIOException InvalidClassException InvalidObjectException
    LineNumberInputStream LineNumberReader NotActiveException NotSerializableException ObjectInput
    ObjectInputFilter ObjectInputStream ObjectInputValidation ObjectOutput ObjectOutputStream
    ObjectStreamClass ObjectStreamConstants ObjectStreamException ObjectStreamField
    OptionalDataException OutputStream OutputStreamWriter PipedInputStream PipedOutputStream
    PipedReader PipedWriter PrintStream PrintWriter PushbackInputStream PushbackReader
    RandomAccessFile Reader SequenceInputStream Serial Serializable SerializablePermission
    StreamCorruptedException StreamTokenizer StringBufferInputStream StringReader StringWriter
    SyncFailedException UTFDataFormatException UncheckedIOException UnsupportedEncodingException
    WriteAbortedException Writer
java.lang: AbstractMethodError Appendable ArithmeticException ArrayIndexOutOfBoundsException
    ArrayStoreException AssertionError AutoCloseable Boolean BootstrapMethodError Byte CharSequence
    Character Class ClassCastException ClassCircularityError ClassFormatError ClassLoader
    ClassNotFoundException ClassValue CloneNotSupportedException Cloneable Comparable Compiler
    Deprecated Double Enum EnumConstantNotPresentException Error Exception ExceptionInInitializerError
    Float FunctionalInterface IllegalAccessError IllegalAccessException IllegalArgumentException
    IllegalCallerException IllegalMonitorStateException IllegalStateException
    IllegalThreadStateException IncompatibleClassChangeError IndexOutOfBoundsException
    InheritableThreadLocal InstantiationError InstantiationException Integer InternalError
    InterruptedException Iterable LayerInstantiationException LinkageError Long Math Module
    ModuleLayer NegativeArraySizeException NoClassDefFoundError NoSuchFieldError NoSuchFieldException
    NoSuchMethodError NoSuchMethodException NullPointerException Number NumberFormatException Object
    OutOfMemoryError Override Package Process ProcessBuilder ProcessHandle Readable Record
    ReflectiveOperationException Runnable Runtime RuntimeException RuntimePermission SafeVarargs
    SecurityException SecurityManager Short StackOverflowError StackTraceElement StackWalker
    StrictMath String StringBuffer StringBuilder StringIndexOutOfBoundsException SuppressWarnings
    System Thread ThreadDeath ThreadGroup ThreadLocal Throwable TypeNotPresentException UnknownError
    UnsatisfiedLinkError UnsupportedClassVersionError UnsupportedOperationException VerifyError
    VirtualMachineError Void
java.lang.annotation: Annotation AnnotationFormatError AnnotationTypeMismatchException Documented
    ElementType IncompleteAnnotationException Inherited Native Repeatable Retention RetentionPolicy
    Target
java.lang.constant: ClassDesc Constable ConstantDesc ConstantDescs DirectMethodHandleDesc
    DynamicCallSiteDesc DynamicConstantDesc MethodHandleDesc MethodTypeDesc
java.lang.instrument: ClassDefinition ClassFileTransformer IllegalClassFormatException
    Instrumentation UnmodifiableClassException UnmodifiableModuleException
java.lang.invoke: CallSite ConstantBootstraps ConstantCallSite LambdaConversionException
    LambdaMetafactory MethodHandle MethodHandleInfo MethodHandleProxies MethodHandles MethodType
    MutableCallSite SerializedLambda StringConcatException StringConcatFactory SwitchPoint
    TypeDescriptor VarHandle VolatileCallSite WrongMethodTypeException
java.lang.management: BufferPoolMXBean ClassLoadingMXBean CompilationMXBean GarbageCollectorMXBean
    LockInfo ManagementFactory ManagementPermission MemoryMXBean MemoryManagerMXBean
    MemoryNotificationInfo MemoryPoolMXBean MemoryType MemoryUsage MonitorInfo OperatingSystemMXBean
    PlatformLoggingMXBean PlatformManagedObject RuntimeMXBean ThreadInfo ThreadMXBean
java.lang.module: Configuration FindException InvalidModuleDescriptorException ModuleDescriptor
    ModuleFinder ModuleReader ModuleReference ResolutionException ResolvedModule
java.lang.ref: Cleaner PhantomReference Reference ReferenceQueue SoftReference WeakReference
java.lang.reflect: AccessibleObject AnnotatedArrayType AnnotatedElement AnnotatedParameterizedType
    AnnotatedType AnnotatedTypeVariable AnnotatedWildcardType Array Constructor Executable Field
    GenericArrayType GenericDeclaration GenericSignatureFormatError InaccessibleObjectException
    InvocationHandler InvocationTargetException MalformedParameterizedTypeException
    MalformedParametersException Member Method Modifier Parameter ParameterizedType Proxy
    RecordComponent ReflectPermission Type TypeVariable UndeclaredThrowableException WildcardType
java.lang.runtime: ObjectMethods SwitchBootstraps
java.math: BigDecimal BigInteger MathContext RoundingMode
java.net: Authenticator BindException CacheRequest CacheResponse ConnectException ContentHandler
    ContentHandlerFactory CookieHandler CookieManager CookiePolicy CookieStore DatagramPacket
    DatagramSocket DatagramSocketImpl DatagramSocketImplFactory FileNameMap HttpCookie
    HttpRetryException HttpURLConnection IDN Inet4Address Inet6Address InetAddress InetSocketAddress
    InterfaceAddress JarURLConnection MalformedURLException MulticastSocket NetPermission
    NetworkInterface NoRouteToHostException PasswordAuthentication PortUnreachableException
    ProtocolException ProtocolFamily Proxy ProxySelector ResponseCache SecureCacheResponse
    ServerSocket Socket SocketAddress SocketException SocketImpl SocketImplFactory SocketOption
    SocketOptions SocketPermission SocketTimeoutException StandardProtocolFamily StandardSocketOptions
    URI URISyntaxException URL URLClassLoader URLConnection URLDecoder URLEncoder URLPermission
    URLStreamHandler URLStreamHandlerFactory UnixDomainSocketAddress UnknownHostException
    UnknownServiceException
java.net.http: HttpClient HttpConnectTimeoutException HttpHeaders HttpRequest HttpResponse
    HttpTimeoutException WebSocket WebSocketHandshakeException
java.net.spi: URLStreamHandlerProvider
java.nio: Buffer BufferOverflowException BufferUnderflowException ByteBuffer ByteOrder CharBuffer
    DoubleBuffer FloatBuffer IntBuffer InvalidMarkException LongBuffer MappedByteBuffer
    ReadOnlyBufferException ShortBuffer
java.nio.channels: AcceptPendingException AlreadyBoundException AlreadyConnectedException
    AsynchronousByteChannel AsynchronousChannel AsynchronousChannelGroup AsynchronousCloseException
    AsynchronousFileChannel AsynchronousServerSocketChannel AsynchronousSocketChannel ByteChannel
    CancelledKeyException Channel Channels ClosedByInterruptException ClosedChannelException
    ClosedSelectorException CompletionHandler ConnectionPendingException DatagramChannel FileChannel
    FileLock FileLockInterruptionException GatheringByteChannel IllegalBlockingModeException
    IllegalChannelGroupException IllegalSelectorException InterruptedByTimeoutException
    InterruptibleChannel MembershipKey MulticastChannel NetworkChannel NoConnectionPendingException
    NonReadableChannelException NonWritableChannelException NotYetBoundException
    NotYetConnectedException OverlappingFileLockException Pipe ReadPendingException
    ReadableByteChannel ScatteringByteChannel SeekableByteChannel SelectableChannel SelectionKey
    Selector ServerSocketChannel ShutdownChannelGroupException SocketChannel
    UnresolvedAddressException UnsupportedAddressTypeException WritableByteChannel
    WritePendingException
java.nio.channels.spi: AbstractInterruptibleChannel AbstractSelectableChannel AbstractSelectionKey
    AbstractSelector AsynchronousChannelProvider SelectorProvider
java.nio.charset: CharacterCodingException Charset CharsetDecoder CharsetEncoder
    CoderMalfunctionError CoderResult CodingErrorAction IllegalCharsetNameException
    MalformedInputException StandardCharsets UnmappableCharacterException UnsupportedCharsetException
java.nio.charset.spi: CharsetProvider
java.nio.file: AccessDeniedException AccessMode AtomicMoveNotSupportedException
    ClosedDirectoryStreamException ClosedFileSystemException ClosedWatchServiceException CopyOption
    DirectoryIteratorException DirectoryNotEmptyException DirectoryStream FileAlreadyExistsException
    FileStore FileSystem FileSystemAlreadyExistsException FileSystemException FileSystemLoopException
    FileSystemNotFoundException FileSystems FileVisitOption FileVisitResult FileVisitor Files
    InvalidPathException LinkOption LinkPermission NoSuchFileException NotDirectoryException
    NotLinkException OpenOption Path PathMatcher Paths ProviderMismatchException
    ProviderNotFoundException ReadOnlyFileSystemException SecureDirectoryStream SimpleFileVisitor
    StandardCopyOption StandardOpenOption StandardWatchEventKinds WatchEvent WatchKey WatchService
    Watchable
java.nio.file.attribute: AclEntry AclEntryFlag AclEntryPermission AclEntryType
    AclFileAttributeView AttributeView BasicFileAttributeView BasicFileAttributes DosFileAttributeView
    DosFileAttributes FileAttribute FileAttributeView FileOwnerAttributeView FileStoreAttributeView
    FileTime GroupPrincipal PosixFileAttributeView PosixFileAttributes PosixFilePermission
    PosixFilePermissions UserDefinedFileAttributeView UserPrincipal UserPrincipalLookupService
    UserPrincipalNotFoundException
java.nio.file.spi: FileSystemProvider FileTypeDetector
java.security: AccessControlContext AccessControlException AccessController AlgorithmConstraints
    AlgorithmParameterGenerator AlgorithmParameterGeneratorSpi AlgorithmParameters
    AlgorithmParametersSpi AllPermission AuthProvider BasicPermission Certificate CodeSigner
    CodeSource CryptoPrimitive DigestException DigestInputStream DigestOutputStream DomainCombiner
    DomainLoadStoreParameter DrbgParameters GeneralSecurityException Guard GuardedObject Identity
    IdentityScope InvalidAlgorithmParameterException InvalidKeyException InvalidParameterException Key
    KeyException KeyFactory KeyFactorySpi KeyManagementException KeyPair KeyPairGenerator
    KeyPairGeneratorSpi KeyRep KeyStore KeyStoreException KeyStoreSpi MessageDigest MessageDigestSpi
    NoSuchAlgorithmException NoSuchProviderException PKCS12Attribute Permission PermissionCollection
    Permissions Policy PolicySpi Principal PrivateKey PrivilegedAction PrivilegedActionException
    PrivilegedExceptionAction ProtectionDomain Provider ProviderException PublicKey SecureClassLoader
    SecureRandom SecureRandomParameters SecureRandomSpi Security SecurityPermission Signature
    SignatureException SignatureSpi SignedObject Signer Timestamp URIParameter
    UnrecoverableEntryException UnrecoverableKeyException UnresolvedPermission
java.security.cert: CRL CRLException CRLReason CRLSelector CertPath CertPathBuilder
    CertPathBuilderException CertPathBuilderResult CertPathBuilderSpi CertPathChecker
    CertPathParameters CertPathValidator CertPathValidatorException CertPathValidatorResult
    CertPathValidatorSpi CertSelector CertStore CertStoreException CertStoreParameters CertStoreSpi
    Certificate CertificateEncodingException CertificateException CertificateExpiredException
    CertificateFactory CertificateFactorySpi CertificateNotYetValidException
    CertificateParsingException CertificateRevokedException CollectionCertStoreParameters Extension
    LDAPCertStoreParameters PKIXBuilderParameters PKIXCertPathBuilderResult PKIXCertPathChecker
    PKIXCertPathValidatorResult PKIXParameters PKIXReason PKIXRevocationChecker PolicyNode
    PolicyQualifierInfo TrustAnchor URICertStoreParameters X509CRL X509CRLEntry X509CRLSelector
    X509CertSelector X509Certificate X509Extension
java.security.interfaces: DSAKey DSAKeyPairGenerator DSAParams DSAPrivateKey DSAPublicKey ECKey
    ECPrivateKey ECPublicKey EdECKey EdECPrivateKey EdECPublicKey RSAKey RSAMultiPrimePrivateCrtKey
    RSAPrivateCrtKey RSAPrivateKey RSAPublicKey XECKey XECPrivateKey XECPublicKey
java.security.spec: AlgorithmParameterSpec DSAGenParameterSpec DSAParameterSpec DSAPrivateKeySpec
    DSAPublicKeySpec ECField ECFieldF2m ECFieldFp ECGenParameterSpec ECParameterSpec ECPoint
    ECPrivateKeySpec ECPublicKeySpec EdDSAParameterSpec EdECPoint EdECPrivateKeySpec EdECPublicKeySpec
    EllipticCurve EncodedKeySpec InvalidKeySpecException InvalidParameterSpecException KeySpec
    MGF1ParameterSpec NamedParameterSpec PKCS8EncodedKeySpec PSSParameterSpec RSAKeyGenParameterSpec
    RSAMultiPrimePrivateCrtKeySpec RSAOtherPrimeInfo RSAPrivateCrtKeySpec RSAPrivateKeySpec
    RSAPublicKeySpec X509EncodedKeySpec XECPrivateKeySpec XECPublicKeySpec
java.sql: Array BatchUpdateException Blob CallableStatement ClientInfoStatus Clob Connection
    ConnectionBuilder DataTruncation DatabaseMetaData Date Driver DriverAction DriverManager
    DriverPropertyInfo JDBCType NClob ParameterMetaData PreparedStatement PseudoColumnUsage Ref
    ResultSet ResultSetMetaData RowId RowIdLifetime SQLClientInfoException SQLData SQLDataException
    SQLException SQLFeatureNotSupportedException SQLInput SQLIntegrityConstraintViolationException
    SQLInvalidAuthorizationSpecException SQLNonTransientConnectionException SQLNonTransientException
    SQLOutput SQLPermission SQLRecoverableException SQLSyntaxErrorException SQLTimeoutException
    SQLTransactionRollbackException SQLTransientConnectionException SQLTransientException SQLType
    SQLWarning SQLXML Savepoint ShardingKey ShardingKeyBuilder Statement Struct Time Timestamp Types
    Wrapper
java.text: Annotation AttributedCharacterIterator AttributedString Bidi BreakIterator
    CharacterIterator ChoiceFormat CollationElementIterator CollationKey Collator CompactNumberFormat
    DateFormat DateFormatSymbols DecimalFormat DecimalFormatSymbols FieldPosition Format MessageFormat
    Normalizer NumberFormat ParseException ParsePosition RuleBasedCollator SimpleDateFormat
    StringCharacterIterator
java.text.spi: BreakIteratorProvider CollatorProvider DateFormatProvider DateFormatSymbolsProvider
    DecimalFormatSymbolsProvider NumberFormatProvider
java.time: Clock DateTimeException DayOfWeek Duration Instant InstantSource LocalDate
    LocalDateTime LocalTime Month MonthDay OffsetDateTime OffsetTime Period Year YearMonth ZoneId
    ZoneOffset ZonedDateTime
java.time.chrono: AbstractChronology ChronoLocalDate ChronoLocalDateTime ChronoPeriod
    ChronoZonedDateTime Chronology Era HijrahChronology HijrahDate HijrahEra IsoChronology IsoEra
    JapaneseChronology JapaneseDate JapaneseEra MinguoChronology MinguoDate MinguoEra
    ThaiBuddhistChronology ThaiBuddhistDate ThaiBuddhistEra
java.time.format: DateTimeFormatter DateTimeFormatterBuilder DateTimeParseException DecimalStyle
    FormatStyle ResolverStyle SignStyle TextStyle
java.time.temporal: ChronoField ChronoUnit IsoFields JulianFields Temporal TemporalAccessor
    TemporalAdjuster TemporalAdjusters TemporalAmount TemporalField TemporalQueries TemporalQuery
    TemporalUnit UnsupportedTemporalTypeException ValueRange WeekFields
java.time.zone: ZoneOffsetTransition ZoneOffsetTransitionRule ZoneRules ZoneRulesException
    ZoneRulesProvider
java.util: AbstractCollection AbstractList AbstractMap AbstractQueue AbstractSequentialList
    AbstractSet ArrayDeque ArrayList Arrays Base64 BitSet Calendar Collection Collections Comparator
    ConcurrentModificationException Currency Date Deque Dictionary DoubleSummaryStatistics
    DuplicateFormatFlagsException EmptyStackException EnumMap EnumSet Enumeration EventListener
    EventListenerProxy EventObject FormatFlagsConversionMismatchException Formattable FormattableFlags
    Formatter FormatterClosedException GregorianCalendar HashMap HashSet Hashtable HexFormat
    IdentityHashMap IllegalFormatCodePointException IllegalFormatConversionException
    IllegalFormatException IllegalFormatFlagsException IllegalFormatPrecisionException
    IllegalFormatWidthException IllformedLocaleException InputMismatchException IntSummaryStatistics
    InvalidPropertiesFormatException Iterator LinkedHashMap LinkedHashSet LinkedList List ListIterator
    ListResourceBundle Locale LongSummaryStatistics Map MissingFormatArgumentException
    MissingFormatWidthException MissingResourceException NavigableMap NavigableSet
    NoSuchElementException Objects Observable Observer Optional OptionalDouble OptionalInt
    OptionalLong PrimitiveIterator PriorityQueue Properties PropertyPermission PropertyResourceBundle
    Queue Random RandomAccess ResourceBundle Scanner ServiceConfigurationError ServiceLoader Set
    SimpleTimeZone SortedMap SortedSet Spliterator Spliterators SplittableRandom Stack StringJoiner
    StringTokenizer TimeZone Timer TimerTask TooManyListenersException TreeMap TreeSet UUID
    UnknownFormatConversionException UnknownFormatFlagsException Vector WeakHashMap
java.util.concurrent: AbstractExecutorService ArrayBlockingQueue BlockingDeque BlockingQueue
    BrokenBarrierException Callable CancellationException CompletableFuture CompletionException
    CompletionService CompletionStage ConcurrentHashMap ConcurrentLinkedDeque ConcurrentLinkedQueue
    ConcurrentMap ConcurrentNavigableMap ConcurrentSkipListMap ConcurrentSkipListSet
    CopyOnWriteArrayList CopyOnWriteArraySet CountDownLatch CountedCompleter CyclicBarrier DelayQueue
    Delayed Exchanger ExecutionException Executor ExecutorCompletionService ExecutorService Executors
    Flow ForkJoinPool ForkJoinTask ForkJoinWorkerThread Future FutureTask LinkedBlockingDeque
    LinkedBlockingQueue LinkedTransferQueue Phaser PriorityBlockingQueue RecursiveAction RecursiveTask
    RejectedExecutionException RejectedExecutionHandler RunnableFuture RunnableScheduledFuture
    ScheduledExecutorService ScheduledFuture ScheduledThreadPoolExecutor Semaphore SubmissionPublisher
    SynchronousQueue ThreadFactory ThreadLocalRandom ThreadPoolExecutor TimeUnit TimeoutException
    TransferQueue
java.util.concurrent.atomic: AtomicBoolean AtomicInteger AtomicIntegerArray
    AtomicIntegerFieldUpdater AtomicLong AtomicLongArray AtomicLongFieldUpdater
    AtomicMarkableReference AtomicReference AtomicReferenceArray AtomicReferenceFieldUpdater
    AtomicStampedReference DoubleAccumulator DoubleAdder LongAccumulator LongAdder
java.util.concurrent.locks: AbstractOwnableSynchronizer AbstractQueuedLongSynchronizer
    AbstractQueuedSynchronizer Condition Lock LockSupport ReadWriteLock ReentrantLock
    ReentrantReadWriteLock StampedLock
java.util.function: BiConsumer BiFunction BiPredicate BinaryOperator BooleanSupplier Consumer
    DoubleBinaryOperator DoubleConsumer DoubleFunction DoublePredicate DoubleSupplier
    DoubleToIntFunction DoubleToLongFunction DoubleUnaryOperator Function IntBinaryOperator
    IntConsumer IntFunction IntPredicate IntSupplier IntToDoubleFunction IntToLongFunction
    IntUnaryOperator LongBinaryOperator LongConsumer LongFunction LongPredicate LongSupplier
    LongToDoubleFunction LongToIntFunction LongUnaryOperator ObjDoubleConsumer ObjIntConsumer
    ObjLongConsumer Predicate Supplier ToDoubleBiFunction ToDoubleFunction ToIntBiFunction
    ToIntFunction ToLongBiFunction ToLongFunction UnaryOperator
java.util.jar: Attributes JarEntry JarException JarFile JarInputStream JarOutputStream Manifest
java.util.logging: ConsoleHandler ErrorManager FileHandler Filter Formatter Handler Level
    LogManager LogRecord Logger LoggingMXBean LoggingPermission MemoryHandler SimpleFormatter
    SocketHandler StreamHandler XMLFormatter
java.util.prefs: AbstractPreferences BackingStoreException InvalidPreferencesFormatException
    NodeChangeEvent NodeChangeListener PreferenceChangeEvent PreferenceChangeListener Preferences
    PreferencesFactory
java.util.random: RandomGenerator RandomGeneratorFactory
java.util.regex: MatchResult Matcher Pattern PatternSyntaxException
java.util.spi: AbstractResourceBundleProvider CalendarDataProvider CalendarNameProvider
    CurrencyNameProvider LocaleNameProvider LocaleServiceProvider ResourceBundleControlProvider
    ResourceBundleProvider TimeZoneNameProvider ToolProvider
java.util.stream: BaseStream Collector Collectors DoubleStream IntStream LongStream Stream
    StreamSupport
java.util.zip: Adler32 CRC32 CRC32C CheckedInputStream CheckedOutputStream Checksum
    DataFormatException Deflater DeflaterInputStream DeflaterOutputStream GZIPInputStream
    GZIPOutputStream Inflater InflaterInputStream InflaterOutputStream ZipEntry ZipError ZipException
    ZipFile ZipInputStream ZipOutputStream
org.javatuples: Decade Ennead KeyValue LabelValue Octet Pair Quartet Quintet Septet Sextet Triplet
    Tuple Unit
"""

#: package -> its public top-level types (JDK 17: ``jimage list`` + ``Class.forName`` public
#: filter, java.awt sub-packages, java.beans, java.rmi and java.applet left out; org.javatuples 1.2)
JDK_TYPES: dict[str, frozenset] = {}
for _entry in _JDK_TYPES_SRC.replace("\n    ", " ").strip().split("\n"):
    _pkg, _, _names = _entry.partition(": ")
    JDK_TYPES[_pkg] = frozenset(_names.split())
del _entry, _pkg, _names

_JAVA_LANG = JDK_TYPES["java.lang"]
_OBJECT_METHODS = frozenset("equals hashCode toString getClass notify notifyAll wait clone finalize".split())
_ENUM_MEMBERS = frozenset("name ordinal values valueOf compareTo getDeclaringClass describeConstable".split())
#: JDK interfaces whose members a class implementing them may use bare (others open the class)
_KNOWN_INTERFACES = {
    "Comparable": "compareTo", "Runnable": "run", "Cloneable": "", "Serializable": "",
    "Iterable": "iterator forEach spliterator", "Iterator": "hasNext next remove forEachRemaining",
    "Comparator": "compare reversed thenComparing thenComparingInt thenComparingLong thenComparingDouble",
    "AutoCloseable": "close", "Closeable": "close", "Callable": "call", "Supplier": "get",
    "Function": "apply andThen compose", "BiFunction": "apply andThen", "Predicate": "test and or negate",
    "Consumer": "accept andThen", "BiConsumer": "accept andThen", "CharSequence": "length charAt subSequence chars codePoints isEmpty",
}
_PACKAGE_ROOTS = frozenset("java javax jdk sun com org net io android kotlin lombok".split())
_BUILTIN_TYPES = frozenset(("var",))

_CLASS_TYPES = frozenset(
    ("class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
     "annotation_type_declaration")
)
_FUNCTION_TYPES = frozenset(("method_declaration", "constructor_declaration", "compact_constructor_declaration"))
_SKIP = frozenset(
    ("line_comment", "block_comment", "comment", "string_literal", "character_literal", "text_block",
     "marker_annotation", "annotation", "package_declaration", "import_declaration",
     "break_statement", "continue_statement")
)


class _JavaAnalyzer(TypeScopeAnalyzer):
    SKIP_TYPES = _SKIP
    IMPORT_TYPE = "import_declaration"
    FILE_TYPES = CLASS_TYPES = _CLASS_TYPES
    FUNCTION_TYPES = _FUNCTION_TYPES
    ENUM_MEMBERS = _ENUM_MEMBERS
    OBJECT_METHODS = _OBJECT_METHODS
    ALWAYS = _JAVA_LANG | _BUILTIN_TYPES
    PARAM_TYPES = frozenset(("formal_parameter",))
    FOREACH_VAR = "name"

    def __init__(self, src: bytes, root: Node):
        super().__init__(src, root)
        self.handlers.update({
            "type_identifier": self._type_identifier,
            "block": self._block, "switch_block": self._block, "constructor_body": self._block,
            "for_statement": self._block,
            "local_variable_declaration": self._local_var,
            "enhanced_for_statement": self._foreach,
            "catch_clause": self._catch,
            "try_with_resources_statement": self._block,
            "resource": self._named,
            "lambda_expression": self._lambda,
            "instanceof_expression": self._named,
            "type_pattern": self._bind_identifiers,
            "record_pattern_component": self._bind_identifiers,
            "method_invocation": self._method_invocation,
            "field_access": self._field_access,
            "method_reference": self._method_reference,
            "scoped_type_identifier": self._leftmost,
            "scoped_identifier": self._leftmost,
            "labeled_statement": self._labeled,
            "switch_label": self._labeled,  # enum constants in case labels are not uses either
            "object_creation_expression": self._object_creation,
            "enum_constant": self._enum_constant,
            "field_declaration": self._field_decl,
            "constant_declaration": self._field_decl,
        })

    # ------------------------------------------------------------------ pre-pass
    def _import(self, n: Node, file_scope: Scope) -> None:
        static = any(c.type == "static" for c in n.children)
        star = any(c.type == "asterisk" for c in n.children)
        path = next((c for c in n.named_children if c.type in ("scoped_identifier", "identifier")), None)
        if path is None:
            return
        dotted = self.text(path).replace(" ", "")
        if star:
            if static:
                self.static_import = True
            elif dotted in JDK_TYPES:
                self.imported |= JDK_TYPES[dotted]
            else:
                self.unknown_import = True
        else:
            file_scope.bind(dotted.rsplit(".", 1)[-1], -1)

    def _members(self, n: Node, info: TypeInfo) -> None:
        m = info.members
        for f in ("superclass", "interfaces"):
            s = n.child_by_field_name(f)
            if s is not None:
                info.supers.extend(self._type_names(s))
        for c in n.named_children:
            if c.type == "extends_interfaces":
                info.supers.extend(self._type_names(c))
        tps = n.child_by_field_name("type_parameters")
        if tps is not None:
            for tp in tps.named_children:
                for x in tp.named_children:
                    if x.type in ("type_identifier", "identifier"):
                        m.add(self.text(x))
                        break
        params = n.child_by_field_name("parameters")  # record components
        if params is not None:
            self._add_names(params, m)
        body = n.child_by_field_name("body")
        if body is None:
            return
        items = list(body.named_children)
        for c in list(items):
            if c.type == "enum_body_declarations":
                items.extend(c.named_children)
        for c in items:
            t = c.type
            if t in ("field_declaration", "constant_declaration"):
                for d in c.children_by_field_name("declarator"):
                    nm = d.child_by_field_name("name")
                    if nm is not None:
                        m.add(self.text(nm))
            elif t in ("method_declaration", "enum_constant") or t in _CLASS_TYPES:
                nm = c.child_by_field_name("name")
                if nm is not None:
                    m.add(self.text(nm))
            elif t == "annotation_type_element_declaration":
                nm = c.child_by_field_name("name")
                if nm is not None:
                    m.add(self.text(nm))

    def _type_names(self, node: Node) -> list[str]:
        """The (simple) names of the types a superclass/interfaces clause lists."""
        out = []
        todo = [node]
        while todo:
            x = todo.pop()
            if x.type == "type_identifier":
                out.append(self.text(x))
            elif x.type == "scoped_type_identifier":
                out.append(self.text(x).rsplit(".", 1)[-1].strip())
            elif x.type == "type_arguments":
                continue
            else:
                todo.extend(x.named_children)
        return out

    def external_super(self, name: str) -> Optional[frozenset]:
        """A JDK interface with known members; None (the class is open) for anything else."""
        known = _KNOWN_INTERFACES.get(name)
        return None if known is None else frozenset(known.split())

    # ------------------------------------------------------------------ handlers
    def _type_decl(self, n: Node, scope: Scope) -> None:
        name = n.child_by_field_name("name")
        if name is not None and scope.ordered:  # a local class
            self.bind(name, scope)
        self.children(n, self.type_scope(n, scope), skip=(name,))

    def _function(self, n: Node, scope: Scope) -> None:
        fs = Scope(scope, ordered=True, kind="function")
        name = n.child_by_field_name("name")
        tps = n.child_by_field_name("type_parameters")
        if tps is not None:
            for tp in tps.named_children:
                for x in tp.named_children:
                    if x.type in ("type_identifier", "identifier"):
                        self.bind(x, fs, -1)
                        break
        params = n.child_by_field_name("parameters")
        if params is not None:
            self._params(params, fs)
        self.children(n, fs, skip=(name, params))

    def _other_param(self, p: Node, fs: Scope) -> None:
        if p.type == "spread_parameter":
            for c in p.named_children:
                if c.type == "variable_declarator":
                    self.bind(c.child_by_field_name("name"), fs, -1)
                else:
                    self.push(c, fs)
        elif p.type != "receiver_parameter":
            self.push(p, fs)

    def _declarators(self, n: Node, scope: Scope) -> None:
        for c in n.named_children:
            if c.type == "variable_declarator":
                name = c.child_by_field_name("name")
                self.bind(name, scope)
                self.children(c, scope, skip=(name,))
            else:
                self.push(c, scope)

    def _local_var(self, n: Node, scope: Scope) -> None:
        self._declarators(n, scope)

    def _field_decl(self, n: Node, scope: Scope) -> None:
        for c in n.named_children:
            if c.type == "variable_declarator":
                self.children(c, scope, skip=(c.child_by_field_name("name"),))
            else:
                self.push(c, scope)

    def _catch(self, n: Node, scope: Scope) -> None:
        s = Scope(scope, ordered=True)
        for c in n.named_children:
            if c.type == "catch_formal_parameter":
                nm = c.child_by_field_name("name")
                self.bind(nm, s, -1)
                self.children(c, s, skip=(nm,))
            else:
                self.push(c, s)

    def _lambda(self, n: Node, scope: Scope) -> None:
        s = Scope(scope, ordered=True, kind="function")
        params = n.child_by_field_name("parameters")
        if params is not None:
            if params.type == "identifier":
                self.bind(params, s, -1)
            else:
                self._params(params, s)
        self.push(n.child_by_field_name("body"), s)

    def _method_invocation(self, n: Node, scope: Scope) -> None:
        obj = n.child_by_field_name("object")
        name = n.child_by_field_name("name")
        if obj is None and name is not None:
            self.use(name, scope, CALL)
        self.children(n, scope, skip=(name,))

    def _field_access(self, n: Node, scope: Scope) -> None:
        self.push(n.child_by_field_name("object"), scope)

    def _method_reference(self, n: Node, scope: Scope) -> None:
        kids = n.named_children
        if kids:
            self.push(kids[0], scope)
            self.push_all((k for k in kids[1:] if k.type == "type_arguments"), scope)

    def _leftmost(self, n: Node, scope: Scope) -> None:
        kids = n.named_children
        if kids:
            self.push(kids[0], scope)

    def _object_creation(self, n: Node, scope: Scope) -> None:
        for c in n.named_children:
            if c.type == "class_body":
                self.children(c, Scope(scope, ordered=False, kind="class", open_=True))
            else:
                self.push(c, scope)

    def _enum_constant(self, n: Node, scope: Scope) -> None:
        for c in n.named_children:
            if c.type == "class_body":
                self.children(c, Scope(scope, ordered=False, kind="class", open_=True))
            elif c.type == "argument_list":
                self.push(c, scope)

    # ------------------------------------------------------------------ outside the file
    def qualified_external(self, u) -> bool:
        parent = u.node.parent
        # a fully qualified name: java.util.Arrays.sort(...)
        return u.name in _PACKAGE_ROOTS and parent is not None and parent.type in (
            "field_access", "scoped_identifier", "scoped_type_identifier"
        )


class JavaSpec(CLikeSpec):
    """The Java :class:`~jumpcoder_lsp.languages.base.LanguageSpec` (tree-sitter-java)."""

    name = "java"
    flavor = "java"
    #: a type a file names may be declared in another file of its package, with no import: the
    #: lint-clean rule (engine/lint.py) does not call a capitalised name a suggestion uses undefined
    package_types = True
    language = JAVA_LANGUAGE
    _FUNCTION_TYPES = _FUNCTION_TYPES
    _MEMBER_LIST_TYPES = frozenset(("class_body", "interface_body", "enum_body_declarations", "enum_body"))
    _FIELD_TYPES = frozenset(("field_declaration",))
    _FIELD_SCOPES = frozenset(("class_body", "enum_body_declarations"))
    _METHODS_ONLY = True
    _MODIFIERS = frozenset(
        "public private protected static final abstract synchronized native strictfp default transient volatile".split()
    )
    _PREFIX_LINE_RE = re.compile(r"^\s*@")
    _IMPORT_RE = re.compile(r"^\s*import\s+(?:static\s+)?[\w$.]+(?:\s*\.\s*\*)?\s*;")
    _HEADER_RE = re.compile(r"^\s*package\s+[\w.]+\s*;")
    _ANALYZER = _JavaAnalyzer
    #: a single-type (or single static member) import: the last segment is the bound name
    _NAMED_IMPORT_RE = re.compile(r"^\s*import\s+(?:static\s+)?(?:[\w$]+\s*\.\s*)*([\w$]+)\s*;")

    _SORT_IMPORT_RE = re.compile(r"^\s*import\s+(static\s+)?([\w$.\s*]+?)\s*;")

    def _import_entry(self, line: str, row: int) -> Optional[ImportEntry]:
        """Keys: the imported name (static imports form their own group, category 1)."""
        m = self._SORT_IMPORT_RE.match(line)
        if not m:
            return None
        name = "".join(m.group(2).split())
        return ImportEntry(row, row, (name,), 1 if m.group(1) else 0)

    def is_wildcard_import(self, line: str) -> bool:
        """``import java.util.*;`` / ``import static a.B.*;``: on-demand imports, not the one
        name a judge wants."""
        return bool(re.match(r"^\s*import\s+(?:static\s+)?[\w$.\s]*\.\s*\*\s*;", line))

    def import_bindings(self, line: str) -> Optional[frozenset[str]]:
        """``import java.util.Arrays;`` -> {Arrays}; ``import static java.lang.Math.max;`` -> {max};
        None for ``import java.util.*;`` (a wildcard: the names cannot be told)."""
        m = self._NAMED_IMPORT_RE.match(line)
        return frozenset({m.group(1)}) if m else None
