"""C++ support: :class:`CppSpec`, built on tree-sitter-cpp.

:meth:`CppSpec.undefined_names` is a scope analysis over the tree-sitter parse (the paper ran
``g++`` and read "was not declared in this scope"; this answers in about a millisecond, on
half-written code too -- see ``tests/languages/test_cpp.py`` for the measured comparison).

What binds a name:

* locals, in order (a use above the declaration is undefined -- the paper's ``sum += x``
  without ``int sum = 0;``): block declarations (every declarator shape: pointers,
  references, arrays, ``auto [a, b] = ...``), ``for`` init, range-``for`` variables, ``if``/
  ``switch`` init statements and condition declarations, ``catch`` parameters, lambda
  parameters and init-captures;
* parameters; template parameters;
* at namespace scope, in order: functions (a call above the function's declaration or
  definition is undefined, as for the compiler -- inside templates, where lookup waits for the
  instantiation, any function of the file counts), variables, classes, enums and their
  enumerators, ``typedef``/``using X = ...`` aliases, ``using std::x;``, ``#define`` macros;
* in a class body and in ``Class::method`` definitions: every member of the class (any order)
  and of its bases declared in the file;
* the library: with at least one standard header included, the C library's global names (from
  glibc 2.36's headers: ``printf``, ``strlen``, ``abs``, ``sqrt``, ``size_t``...), every
  ALL-CAPS name (a macro: ``INT_MAX``, ``EOF``), ``__builtin_*`` and other ``__`` names; with
  ``using namespace std;``, every name of namespace ``std`` (1,147 names, from libstdc++ 12:
  each checked with ``g++ -std=c++17`` as ``using std::NAME;``); qualified names are not checked,
  but for ``std::X``.

A standard name used without its header (``std::sort`` with only ``<vector>``, ``std::optional``
without ``<optional>``; also in ``using std::X;`` and ``namespace fs = std::filesystem;``) is
reported as ``std::X``, as clangd's include fixer sees it: ``queries/cpp_std_headers.txt``
(``scripts/gen_cpp_std_headers.py``, from libstdc++ 12.2 as g++ compiles each header at
``-std=c++11`` to ``c++23``, united) says which standard headers provide each of 1,721 names of
namespace ``std`` and which standard headers each header includes; ``std::X`` is undefined when no
included header, through what it includes, provides ``X`` (``<iostream>`` provides
``std::string``: it includes ``<string>``'s declarations; ``<vector>`` provides ``std::max`` but
not ``std::sort``). Not reported: a name the map does not know (a newer standard's, a typo), a
name the file itself declares inside a ``namespace std { }``, a file including a header the map
does not know (every non-standard include turns all reports off, below). Under a file-level
``using namespace std;`` a bare ``X`` of the map (``sort(v.begin(), v.end())`` with only
``<vector>``) is checked the same way, reported as ``X``, but only when nothing in the file may
declare it: no binding of ``X`` in any scope (a member, a friend function that argument-dependent
lookup finds, a function written after its use), no parse error, and not a C library name (the C
headers put those in the global namespace too). Without ``using namespace std;`` a bare name
keeps the rules above. The ``#include`` that provides the name makes it defined, which is what the
AST judge needs to accept it.

A missing ``using namespace std;`` is reported for the std types and objects listed in
``STD_REPORTABLE`` (``vector<int> v;``, ``cout << x``, ``string s``) but not for a call (``sort(v.begin(), v.end())`` compiles through
argument-dependent lookup when its arguments are std types).

Conservative rules: a class with a base not declared in the file, or ``Foo::method`` of a class
not in the file, is *open* (no bare name inside is reported); an ``#include`` of a header that
is not a standard one (``"mine.h"``, ``<boost/...>``, POSIX headers), ``using namespace`` of a
namespace not in the file, or a function-like ``#define`` (``rep(i, n)`` may declare ``i``)
turns reporting off for the file; ``ERROR`` nodes are read leniently.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, Optional

import tree_sitter_cpp
from tree_sitter import Language, Node

from .clike import CALL, TYPE, VAR, Analyzer, CLikeSpec, Scope, Use
from .placement import ImportEntry
from .queries.engine import QUERY_DIR

__all__ = ["CppSpec", "CPP_LANGUAGE", "STD_NAMES", "C_GLOBALS", "STD_REPORTABLE", "STD_HEADERS", "StdHeaderMap",
           "std_header_map"]

CPP_LANGUAGE = Language(tree_sitter_cpp.language())

_STD_NAMES_SRC = """
abort abs accumulate acos acosh add_const add_const_t add_cv add_cv_t add_lvalue_reference
add_lvalue_reference_t add_pointer add_pointer_t add_rvalue_reference add_rvalue_reference_t
add_volatile add_volatile_t addressof adjacent_difference adjacent_find adopt_lock adopt_lock_t
advance align align_val_t aligned_storage aligned_storage_t aligned_union aligned_union_t
alignment_of alignment_of_v all_of allocate_shared allocator allocator_arg allocator_arg_t
allocator_traits any any_cast any_of apply arg array as_const asin asinh assoc_laguerre
assoc_laguerref assoc_laguerrel assoc_legendre assoc_legendref assoc_legendrel async at_quick_exit
atan atan2 atanh atexit atomic atomic_bool atomic_char atomic_char16_t atomic_char32_t
atomic_compare_exchange_strong atomic_compare_exchange_strong_explicit
atomic_compare_exchange_weak atomic_compare_exchange_weak_explicit atomic_exchange
atomic_exchange_explicit atomic_fetch_add atomic_fetch_add_explicit atomic_fetch_and
atomic_fetch_and_explicit atomic_fetch_or atomic_fetch_or_explicit atomic_fetch_sub
atomic_fetch_sub_explicit atomic_fetch_xor atomic_fetch_xor_explicit atomic_flag atomic_flag_clear
atomic_flag_clear_explicit atomic_flag_test_and_set atomic_flag_test_and_set_explicit atomic_init
atomic_int atomic_int16_t atomic_int32_t atomic_int64_t atomic_int8_t atomic_int_fast16_t
atomic_int_fast32_t atomic_int_fast64_t atomic_int_fast8_t atomic_int_least16_t
atomic_int_least32_t atomic_int_least64_t atomic_int_least8_t atomic_intmax_t atomic_intptr_t
atomic_is_lock_free atomic_llong atomic_load atomic_load_explicit atomic_long atomic_ptrdiff_t
atomic_schar atomic_short atomic_signal_fence atomic_size_t atomic_store atomic_store_explicit
atomic_thread_fence atomic_uchar atomic_uint atomic_uint16_t atomic_uint32_t atomic_uint64_t
atomic_uint8_t atomic_uint_fast16_t atomic_uint_fast32_t atomic_uint_fast64_t atomic_uint_fast8_t
atomic_uint_least16_t atomic_uint_least32_t atomic_uint_least64_t atomic_uint_least8_t
atomic_uintmax_t atomic_uintptr_t atomic_ullong atomic_ulong atomic_ushort atomic_wchar_t atto
auto_ptr auto_ptr_ref back_insert_iterator back_inserter bad_alloc bad_any_cast
bad_array_new_length bad_cast bad_exception bad_function_call bad_optional_access bad_typeid
bad_variant_access bad_weak_ptr basic_filebuf basic_fstream basic_ifstream basic_ios
basic_iostream basic_istream basic_istringstream basic_ofstream basic_ostream basic_ostringstream
basic_regex basic_streambuf basic_string basic_string_view basic_stringbuf basic_stringstream
begin bernoulli_distribution beta betaf betal bidirectional_iterator_tag binary_function
binary_negate binary_search bind bind1st bind2nd binder1st binder2nd binomial_distribution bit_and
bit_not bit_or bit_xor bitset bool_constant boolalpha boyer_moore_horspool_searcher
boyer_moore_searcher byte call_once cauchy_distribution cbegin cbrt ceil cend centi cerr
char_traits chars_format chi_squared_distribution cin clamp clock clog cmatch codecvt codecvt_base
codecvt_byname codecvt_mode codecvt_utf16 codecvt_utf8 codecvt_utf8_utf16 collate collate_byname
common_type common_type_t comp_ellint_1 comp_ellint_1f comp_ellint_1l comp_ellint_2 comp_ellint_2f
comp_ellint_2l comp_ellint_3 comp_ellint_3f comp_ellint_3l complex condition_variable
condition_variable_any conditional conditional_t conj conjunction conjunction_v
const_mem_fun1_ref_t const_mem_fun1_t const_mem_fun_ref_t const_mem_fun_t const_pointer_cast copy
copy_backward copy_if copy_n copysign cos cosh count count_if cout crbegin cref cregex_iterator
cregex_token_iterator crend csub_match ctype ctype_base ctype_byname cv_status cyl_bessel_i
cyl_bessel_if cyl_bessel_il cyl_bessel_j cyl_bessel_jf cyl_bessel_jl cyl_bessel_k cyl_bessel_kf
cyl_bessel_kl cyl_neumann cyl_neumannf cyl_neumannl data dec deca decay decay_t deci
declare_no_pointers declare_reachable default_delete default_random_engine default_searcher
defaultfloat defer_lock defer_lock_t deque destroy destroy_at destroy_n discard_block_engine
discrete_distribution disjunction disjunction_v distance div divides domain_error
dynamic_pointer_cast ellint_1 ellint_1f ellint_1l ellint_2 ellint_2f ellint_2l ellint_3 ellint_3f
ellint_3l empty enable_if enable_if_t enable_shared_from_this end endl ends equal equal_range
equal_to erf erfc error_category error_code error_condition exa exception exception_ptr exchange
exclusive_scan exit exp exp2 expint expintf expintl expm1 exponential_distribution extent extent_v
extreme_value_distribution fabs false_type fdim femto filebuf fill fill_n find find_end
find_first_of find_if find_if_not fisher_f_distribution fixed float_denorm_style float_round_style
floor flush fma fmax fmin fmod for_each for_each_n forward forward_as_tuple forward_iterator_tag
forward_list fpclassify fpos frexp from_chars from_chars_result front_insert_iterator
front_inserter fstream function future future_category future_errc future_error future_status
gamma_distribution gcd generate generate_canonical generate_n geometric_distribution get
get_deleter get_if get_money get_pointer_safety get_temporary_buffer get_time getline giga greater
greater_equal gslice gslice_array hardware_constructive_interference_size
hardware_destructive_interference_size has_facet has_unique_object_representations
has_unique_object_representations_v has_virtual_destructor has_virtual_destructor_v hash hecto
hermite hermitef hermitel hex hexfloat holds_alternative hypot ifstream ignore ilogb imag in_place
in_place_index in_place_index_t in_place_t in_place_type in_place_type_t includes inclusive_scan
independent_bits_engine index_sequence index_sequence_for indirect_array initializer_list
inner_product inplace_merge input_iterator_tag insert_iterator inserter int16_t int32_t int64_t
integer_sequence integral_constant internal intmax_t invalid_argument invoke invoke_result
invoke_result_t io_errc ios ios_base iostream iota is_abstract is_abstract_v is_aggregate
is_aggregate_v is_arithmetic is_arithmetic_v is_array is_array_v is_assignable is_assignable_v
is_base_of is_base_of_v is_bind_expression is_bind_expression_v is_class is_class_v is_compound
is_compound_v is_const is_const_v is_constructible is_constructible_v is_convertible
is_convertible_v is_copy_assignable is_copy_assignable_v is_copy_constructible
is_copy_constructible_v is_default_constructible is_default_constructible_v is_destructible
is_destructible_v is_empty is_empty_v is_enum is_enum_v is_error_code_enum is_error_code_enum_v
is_error_condition_enum is_error_condition_enum_v is_final is_final_v is_floating_point
is_floating_point_v is_function is_function_v is_fundamental is_fundamental_v is_heap
is_heap_until is_integral is_integral_v is_invocable is_invocable_r is_invocable_r_v
is_invocable_v is_literal_type_v is_lvalue_reference is_lvalue_reference_v
is_member_function_pointer is_member_function_pointer_v is_member_object_pointer
is_member_object_pointer_v is_member_pointer is_member_pointer_v is_move_assignable
is_move_assignable_v is_move_constructible is_move_constructible_v is_nothrow_assignable
is_nothrow_assignable_v is_nothrow_constructible is_nothrow_constructible_v
is_nothrow_copy_assignable is_nothrow_copy_assignable_v is_nothrow_copy_constructible
is_nothrow_copy_constructible_v is_nothrow_default_constructible
is_nothrow_default_constructible_v is_nothrow_destructible is_nothrow_destructible_v
is_nothrow_invocable is_nothrow_invocable_r is_nothrow_invocable_r_v is_nothrow_invocable_v
is_nothrow_move_assignable is_nothrow_move_assignable_v is_nothrow_move_constructible
is_nothrow_move_constructible_v is_nothrow_swappable is_nothrow_swappable_v
is_nothrow_swappable_with is_nothrow_swappable_with_v is_null_pointer is_null_pointer_v is_object
is_object_v is_partitioned is_permutation is_placeholder is_placeholder_v is_pod_v is_pointer
is_pointer_v is_polymorphic is_polymorphic_v is_reference is_reference_v is_rvalue_reference
is_rvalue_reference_v is_same is_same_v is_scalar is_scalar_v is_signed is_signed_v is_sorted
is_sorted_until is_standard_layout is_standard_layout_v is_swappable is_swappable_v
is_swappable_with is_swappable_with_v is_trivial is_trivial_v is_trivially_assignable
is_trivially_assignable_v is_trivially_constructible is_trivially_constructible_v
is_trivially_copy_assignable is_trivially_copy_assignable_v is_trivially_copy_constructible
is_trivially_copy_constructible_v is_trivially_copyable is_trivially_copyable_v
is_trivially_default_constructible is_trivially_default_constructible_v is_trivially_destructible
is_trivially_destructible_v is_trivially_move_assignable is_trivially_move_assignable_v
is_trivially_move_constructible is_trivially_move_constructible_v is_union is_union_v is_unsigned
is_unsigned_v is_void is_void_v is_volatile is_volatile_v isalnum isalpha isblank iscntrl isdigit
isfinite isgraph isgreater isgreaterequal isinf isless islessequal islessgreater islower isnan
isnormal isprint ispunct isspace istream istream_iterator istreambuf_iterator istringstream
isunordered isupper isxdigit iter_swap iterator iterator_traits kill_dependency kilo knuth_b
laguerre laguerref laguerrel launch launder lcm ldexp ldiv left legendre legendref legendrel
length_error less less_equal lexicographical_compare lgamma linear_congruential_engine list llrint
llround locale lock lock_guard log log10 log1p log2 logb logic_error logical_and logical_not
logical_or lognormal_distribution lower_bound lrint lround make_any make_error_code
make_error_condition make_exception_ptr make_from_tuple make_heap make_index_sequence
make_move_iterator make_optional make_pair make_reverse_iterator make_shared make_signed
make_signed_t make_tuple make_unique make_unsigned make_unsigned_t map mask_array match_results
max max_element mega mem_fn mem_fun mem_fun1_ref_t mem_fun1_t mem_fun_ref mem_fun_ref_t mem_fun_t
memchr memory_order memory_order_acq_rel memory_order_acquire memory_order_consume
memory_order_relaxed memory_order_release memory_order_seq_cst merge mersenne_twister_engine
messages messages_base messages_byname micro milli min min_element minmax minmax_element
minstd_rand minstd_rand0 minus mismatch modf modulus money_base money_get money_put moneypunct
moneypunct_byname monostate move move_backward move_if_noexcept move_iterator mt19937 mt19937_64
multimap multiplies multiset mutex nano nearbyint negate negation negation_v
negative_binomial_distribution nested_exception next next_permutation nextafter nexttoward
noboolalpha none_of norm normal_distribution noshowbase noshowpoint noshowpos noskipws not1 not2
not_equal_to not_fn nothrow nothrow_t notify_all_at_thread_exit nounitbuf nouppercase nth_element
nullopt nullopt_t num_get num_put numeric_limits numpunct numpunct_byname oct ofstream once_flag
optional ostream ostream_iterator ostreambuf_iterator ostringstream out_of_range
output_iterator_tag overflow_error owner_less packaged_task pair partial_sort partial_sort_copy
partial_sum partition partition_copy partition_point peta pico piecewise_constant_distribution
piecewise_construct piecewise_construct_t piecewise_linear_distribution plus pointer_safety
pointer_to_binary_function pointer_to_unary_function pointer_traits poisson_distribution polar
pop_heap pow prev prev_permutation priority_queue proj promise ptr_fun ptrdiff_t push_heap
put_money put_time queue quick_exit quoted random_access_iterator_tag random_device random_shuffle
range_error rank rank_v ranlux24 ranlux24_base ranlux48 ranlux48_base ratio ratio_add ratio_divide
ratio_equal ratio_equal_v ratio_greater ratio_greater_equal ratio_greater_equal_v ratio_greater_v
ratio_less ratio_less_equal ratio_less_equal_v ratio_less_v ratio_multiply ratio_not_equal
ratio_not_equal_v ratio_subtract raw_storage_iterator rbegin real recursive_mutex
recursive_timed_mutex reduce ref reference_wrapper regex regex_error regex_iterator regex_match
regex_replace regex_search regex_token_iterator regex_traits reinterpret_pointer_cast remainder
remove remove_all_extents remove_all_extents_t remove_const remove_const_t remove_copy
remove_copy_if remove_cv remove_cv_t remove_extent remove_extent_t remove_if remove_pointer
remove_pointer_t remove_reference remove_reference_t remove_volatile remove_volatile_t remquo
rename rend replace replace_copy replace_copy_if replace_if resetiosflags result_of result_of_t
rethrow_exception rethrow_if_nested return_temporary_buffer reverse reverse_copy reverse_iterator
riemann_zeta riemann_zetaf riemann_zetal right rint rotate rotate_copy round runtime_error sample
scalbln scalbn scientific scoped_allocator_adaptor scoped_lock search search_n seed_seq set
set_difference set_intersection set_new_handler set_symmetric_difference set_terminate
set_unexpected set_union setbase setbuf setfill setiosflags setprecision setw shared_future
shared_lock shared_mutex shared_ptr shared_timed_mutex showbase showpoint showpos shuffle
shuffle_order_engine signbit sin sinh size size_t skipws slice slice_array smatch snprintf sort
sort_heap sph_bessel sph_besself sph_bessell sph_legendre sph_legendref sph_legendrel sph_neumann
sph_neumannf sph_neumannl sqrt sregex_iterator sregex_token_iterator ssub_match stable_partition
stable_sort stack static_pointer_cast stod stof stoi stol stold stoll stoul stoull strchr
streambuf streamoff streampos streamsize string string_view stringbuf stringstream strpbrk strrchr
strstr student_t_distribution sub_match subtract_with_carry_engine swap swap_ranges system_error
tan tanh tera tgamma thread throw_with_nested tie time_base time_get time_get_byname time_put
time_put_byname timed_mutex timespec to_chars to_chars_result to_integer to_string to_wstring
tolower toupper transform transform_exclusive_scan transform_inclusive_scan transform_reduce
true_type trunc try_lock try_to_lock try_to_lock_t tuple tuple_cat tuple_element tuple_element_t
tuple_size tuple_size_v type_index type_info u16streampos u16string u16string_view u32streampos
u32string u32string_view uint16_t uint32_t uint64_t uint_least32_t uintmax_t uintptr_t
unary_function unary_negate undeclare_no_pointers undeclare_reachable underflow_error
underlying_type underlying_type_t unexpected uniform_int_distribution uniform_real_distribution
uninitialized_copy uninitialized_copy_n uninitialized_default_construct
uninitialized_default_construct_n uninitialized_fill uninitialized_fill_n uninitialized_move
uninitialized_move_n uninitialized_value_construct uninitialized_value_construct_n unique
unique_copy unique_lock unique_ptr unitbuf unordered_map unordered_multimap unordered_multiset
unordered_set upper_bound uppercase use_facet uses_allocator uses_allocator_v valarray variant
variant_alternative variant_alternative_t variant_npos variant_size variant_size_v vector vfscanf
visit void_t vscanf vsnprintf vsscanf wbuffer_convert wcerr wcin wclog wcmatch wcout
wcregex_iterator wcregex_token_iterator wcschr wcslen wcspbrk wcsrchr wcsstr wcsub_match weak_ptr
weibull_distribution wfilebuf wfstream wifstream wios wiostream wistream wistringstream wmemchr
wmemcmp wmemcpy wmemmove wmemset wofstream wostream wostringstream wregex ws wsmatch
wsregex_iterator wsregex_token_iterator wssub_match wstreambuf wstreampos wstring wstring_convert
wstring_view wstringbuf wstringstream
"""

_C_GLOBALS_SRC = """
a64l abort abs acos acosf acosh acoshf acoshl acosl aligned_alloc alloca arc4random arc4random_buf
arc4random_uniform asctime asctime_r asin asinf asinh asinhf asinhl asinl asprintf assert
assert_perror at_quick_exit atan atan2 atan2f atan2l atanf atanh atanhf atanhl atanl atexit atof
atoi atol atoll basename bsearch btowc c16rtomb c32rtomb c8rtomb calloc canonicalize
canonicalize_file_name canonicalizef canonicalizel cbrt cbrtf cbrtl ceil ceilf ceill clearenv
clearerr clearerr_unlocked clock clock_getcpuclockid clock_getres clock_gettime clock_nanosleep
clock_settime close comparison_fn_t copysign copysignf copysignl cos cosf cosh coshf coshl cosl
ctermid ctime ctime_r cuserid daylight difftime div double_t dprintf drand48 drand48_data
drand48_r drem dremf dreml duplocale dysize ecvt ecvt_r erand48 erand48_r erf erfc erfcf erfcl
erff erfl errno exit exp exp10 exp10f exp10l exp2 exp2f exp2l expf expl explicit_bzero expm1
expm1f expm1l fabs fabsf fabsl fclose fcloseall fcvt fcvt_r fdim fdimf fdiml fdopen feclearexcept
fedisableexcept feenableexcept fegetenv fegetexcept fegetexceptflag fegetmode fegetround
feholdexcept feof feof_unlocked feraiseexcept ferror ferror_unlocked fesetenv fesetexcept
fesetexceptflag fesetmode fesetround fetestexcept fetestexceptflag feupdateenv fflush
fflush_unlocked fgetc fgetc_unlocked fgetpos fgetpos64 fgets fgets_unlocked fgetwc fgetwc_unlocked
fgetws fgetws_unlocked fileno fileno_unlocked finite finitef finitel float_t flockfile floor
floorf floorl fma fmaf fmal fmax fmaxf fmaximum fmaximum_mag fmaximum_mag_num fmaximum_mag_numf
fmaximum_mag_numl fmaximum_magf fmaximum_magl fmaximum_num fmaximum_numf fmaximum_numl fmaximumf
fmaximuml fmaxl fmaxmag fmaxmagf fmaxmagl fmemopen fmin fminf fminimum fminimum_mag
fminimum_mag_num fminimum_mag_numf fminimum_mag_numl fminimum_magf fminimum_magl fminimum_num
fminimum_numf fminimum_numl fminimumf fminimuml fminl fminmag fminmagf fminmagl fmod fmodf fmodl
fopen fopen64 fopencookie fpos64_t fpos_t fprintf fputc fputc_unlocked fputs fputs_unlocked fputwc
fputwc_unlocked fputws fputws_unlocked fread fread_unlocked free freelocale freopen freopen64
frexp frexpf frexpl fromfp fromfpf fromfpl fromfpx fromfpxf fromfpxl fscanf fseek fseeko fseeko64
fsetpos fsetpos64 ftell ftello ftello64 ftrylockfile funlockfile fwide fwprintf fwrite
fwrite_unlocked fwscanf gamma gammaf gammal gcvt getc getc_unlocked getchar getchar_unlocked
getdate getdate_err getdate_r getdelim getenv getline getloadavg getpayload getpayloadf
getpayloadl getpt getsubopt getw getwc getwc_unlocked getwchar getwchar_unlocked gmtime gmtime_r
grantpt gsignal hypot hypotf hypotl ilogb ilogbf ilogbl imaxabs imaxdiv index initstate
initstate_r int16_t int32_t int64_t int8_t int_fast16_t int_fast32_t int_fast64_t int_fast8_t
int_least16_t int_least32_t int_least64_t int_least8_t intmax_t intptr_t isalnum isalnum_l isalpha
isalpha_l isascii isblank isblank_l iscntrl iscntrl_l isctype isdigit isdigit_l iseqsig isgraph
isgraph_l isinff isinfl islower islower_l isnanf isnanl isprint isprint_l ispunct ispunct_l
issignaling isspace isspace_l issubnormal isupper isupper_l iswalnum_l iswalpha_l iswblank_l
iswcntrl_l iswctype_l iswdigit_l iswgraph_l iswlower_l iswprint_l iswpunct_l iswspace_l iswupper_l
iswxdigit_l isxdigit isxdigit_l iszero itimerspec j0 j0f j0l j1 j1f j1l jmp_buf jn jnf jnl jrand48
jrand48_r kill killpg l64a labs lcong48 lcong48_r lconv ldexp ldexpf ldexpl ldiv lgamma lgammaf
lgammal llabs lldiv llogb llogbf llogbl llrint llrintf llrintl llround llroundf llroundl
localeconv localtime localtime_r log log10 log10f log10l log1p log1pf log1pl log2 log2f log2l logb
logbf logbl logf logl longjmp lrand48 lrand48_r lrint lrintf lrintl lround lroundf lroundl malloc
math_errhandling mblen mbrlen mbrtoc16 mbrtoc32 mbrtoc8 mbrtowc mbsinit mbsnrtowcs mbsrtowcs
mbstowcs mbtowc memccpy memchr memcmp memcpy memfrob memmem memmove mempcpy memrchr memset mkdtemp
mkostemp mkostemp64 mkostemps mkostemps64 mkstemp mkstemp64 mkstemps mkstemps64 mktemp mktime modf
modff modfl mrand48 mrand48_r nan nanf nanl nanosleep nearbyint nearbyintf nearbyintl newlocale
nextafter nextafterf nextafterl nextdown nextdownf nextdownl nexttoward nexttowardf nexttowardl
nextup nextupf nextupl nrand48 nrand48_r obstack obstack_printf obstack_vprintf off64_t off_t
offsetof on_exit open_memstream open_wmemstream pclose perror pid_t popen posix_memalign
posix_openpt pow powf powl printf program_invocation_name program_invocation_short_name psiginfo
psignal pthread_cond_clockwait pthread_rwlock_destroy pthread_rwlock_init pthread_rwlock_rdlock
pthread_rwlock_timedrdlock pthread_rwlock_timedwrlock pthread_rwlock_tryrdlock
pthread_rwlock_trywrlock pthread_rwlock_unlock pthread_rwlock_wrlock ptrdiff_t ptsname ptsname_r
putc putc_unlocked putchar putchar_unlocked putenv puts putw putwc putwc_unlocked putwchar
putwchar_unlocked qecvt qecvt_r qfcvt qfcvt_r qgcvt qsort qsort_r quick_exit raise rand rand_r
random random_data random_r rawmemchr read realloc reallocarray realpath remainder remainderf
remainderl remove remquo remquof remquol rename renameat renameat2 rewind rint rintf rintl round
roundeven roundevenf roundevenl roundf roundl rpmatch scalb scalbf scalbl scalbln scalblnf
scalblnl scalbn scalbnf scalbnl scanf secure_getenv seed48 seed48_r setbuf setbuffer setenv setjmp
setlinebuf setlocale setpayload setpayloadf setpayloadl setpayloadsig setpayloadsigf
setpayloadsigl setstate setstate_r setvbuf sig_t sigabbrev_np sigaction sigaddset sigaltstack
sigandset sigblock sigcontext sigdelset sigdescr_np sigemptyset sigevent sigfillset siggetmask
sighandler_t sighold sigignore siginterrupt sigisemptyset sigismember sigjmp_buf siglongjmp
sigmask signal signgam significand significandf significandl sigorset sigpause sigpending
sigprocmask sigqueue sigrelse sigreturn sigset sigsetjmp sigsetmask sigstack sigsuspend
sigtimedwait sigval sigwait sigwaitinfo sin sinf sinh sinhf sinhl sinl size_t snprintf sprintf
sqrt sqrtf sqrtl srand srand48 srand48_r srandom srandom_r sscanf ssignal ssize_t stderr stdin
stdout stpcpy stpncpy strcasestr strcat strchr strchrnul strcmp strcoll strcoll_l strcpy strcspn
strdup strdupa strerror strerror_l strerror_r strerrordesc_np strerrorname_np strfromd strfromf
strfromf128 strfromf32 strfromf32x strfromf64 strfromf64x strfroml strfry strftime strftime_l
strlen strncat strncmp strncpy strndup strndupa strnlen strpbrk strptime strptime_l strrchr strsep
strsignal strspn strstr strtod strtod_l strtof strtof128 strtof128_l strtof32 strtof32_l strtof32x
strtof32x_l strtof64 strtof64_l strtof64x strtof64x_l strtof_l strtoimax strtok strtok_r strtol
strtol_l strtold strtold_l strtoll strtoll_l strtoq strtoul strtoul_l strtoull strtoull_l
strtoumax strtouq strverscmp strxfrm strxfrm_l swprintf swscanf sync syscall system sysv_signal
tan tanf tanh tanhf tanhl tanl tempnam tgamma tgammaf tgammal time timegm timelocal timer_create
timer_delete timer_getoverrun timer_gettime timer_settime timespec timespec_get timespec_getres tm
tmpfile tmpfile64 tmpnam tmpnam_r toascii tolower tolower_l totalorder totalorderf totalorderl
totalordermag totalordermagf totalordermagl toupper toupper_l towctrans towctrans_l towlower_l
towupper_l trunc truncf truncl ttyslot tzname tzset ufromfp ufromfpf ufromfpl ufromfpx ufromfpxf
ufromfpxl uid_t uint16_t uint32_t uint64_t uint8_t uint_fast16_t uint_fast32_t uint_fast64_t
uint_fast8_t uint_least16_t uint_least32_t uint_least64_t uint_least8_t uintmax_t uintptr_t ungetc
ungetwc unlockpt unsetenv uselocale va_arg va_copy va_end va_list va_start valloc vasprintf
vdprintf vfprintf vfscanf vfwprintf vfwscanf vprintf vscanf vsnprintf vsprintf vsscanf vswprintf
vswscanf vwprintf vwscanf wcpcpy wcpncpy wcrtomb wcscasecmp wcscasecmp_l wcscat wcschr wcschrnul
wcscmp wcscoll wcscoll_l wcscpy wcscspn wcsdup wcsftime wcsftime_l wcslen wcsncasecmp
wcsncasecmp_l wcsncat wcsncmp wcsncpy wcsnlen wcsnrtombs wcspbrk wcsrchr wcsrtombs wcsspn wcsstr
wcstod wcstod_l wcstof wcstof128 wcstof128_l wcstof32 wcstof32_l wcstof32x wcstof32x_l wcstof64
wcstof64_l wcstof64x wcstof64x_l wcstof_l wcstoimax wcstok wcstol wcstol_l wcstold wcstold_l
wcstoll wcstoll_l wcstombs wcstoq wcstoul wcstoul_l wcstoull wcstoull_l wcstoumax wcstouq wcswcs
wcswidth wcsxfrm wcsxfrm_l wctob wctomb wctrans wctrans_l wctrans_t wctype_l wcwidth wmemchr
wmemcmp wmemcpy wmemmove wmempcpy wmemset wprintf write wscanf y0 y0f y0l y1 y1f y1l yn ynf ynl
"""

_STD_HEADERS_SRC = """
algorithm any array assert.h atomic barrier bit bits/stdc++.h bitset cassert ccomplex cctype
cerrno cfenv cfloat charconv chrono cinttypes ciso646 climits clocale cmath codecvt compare
complex complex.h concepts condition_variable coroutine csetjmp csignal cstdalign cstdarg cstdbool
cstddef cstdint cstdio cstdlib cstring ctgmath ctime ctype.h cuchar cwchar cwctype deque errno.h
exception execution expected fenv.h filesystem float.h forward_list fstream functional future
initializer_list inttypes.h iomanip ios iosfwd iostream iso646.h istream iterator latch limits
limits.h list locale locale.h map math.h memory memory_resource mutex new numbers numeric optional
ostream queue random ranges ratio regex scoped_allocator semaphore set setjmp.h shared_mutex
signal.h source_location span spanstream sstream stack stacktrace stdalign.h stdarg.h stdatomic.h
stdbool.h stddef.h stdexcept stdint.h stdio.h stdlib.h stdnoreturn.h stop_token streambuf string
string.h string_view syncstream system_error tgmath.h thread threads.h time.h tuple type_traits
typeindex typeinfo uchar.h unordered_map unordered_set utility valarray variant vector version
wchar.h wctype.h
"""

#: names of namespace std (libstdc++ 12, C++17), each accepted by g++ as ``using std::NAME;``
STD_NAMES = frozenset(_STD_NAMES_SRC.split())
#: global names the C library headers declare (functions, types, lowercase macros), glibc 2.36
C_GLOBALS = frozenset(_C_GLOBALS_SRC.split())
#: the standard headers (C++ and C): an `#include <...>` of any other is a header this analysis knows nothing of
STD_HEADERS = frozenset(_STD_HEADERS_SRC.split())
_STD_HEADERS = STD_HEADERS
#: std types/objects whose bare use without ``using namespace std;`` is reported (not a call)
STD_REPORTABLE = frozenset(
    """vector string map set multimap multiset unordered_map unordered_set unordered_multimap
    unordered_multiset pair tuple queue priority_queue stack deque list forward_list array bitset
    cout cin cerr clog endl string_view optional variant function less greater numeric_limits
    istringstream ostringstream stringstream ifstream ofstream fstream istream ostream iostream
    shared_ptr unique_ptr weak_ptr complex valarray initializer_list wstring""".split()
)
_BUILTINS = frozenset(
    "static_cast dynamic_cast const_cast reinterpret_cast typeid alignof alignas sizeof offsetof "
    "decltype noexcept main "
    # keywords tree-sitter-cpp reads as a type in a local `std::vector<bool> seen(n, false);`
    # (parsed as a function declaration, the most vexing parse)
    "true false nullptr this".split()
)



class StdHeaderMap(NamedTuple):
    """``queries/cpp_std_headers.txt`` (``scripts/gen_cpp_std_headers.py``, from the installed
    libstdc++): which standard headers provide each name of namespace ``std``, and which standard
    headers each standard header includes."""

    #: name -> the headers that provide ``std::name`` (those getting it through another one left out)
    names: dict
    #: header -> the standard headers it includes, transitively (the headers of the file are all here)
    closure: dict

    def available(self, headers) -> Optional[frozenset]:
        """The standard headers a file including ``headers`` reads, or None when one of them is
        not in the map (a standard header that libstdc++ here lacks: anything may come from it)."""
        out = set()
        for h in headers:
            c = self.closure.get(h)
            if c is None:
                return None
            out.add(h)
            out |= c
        return frozenset(out)

    def headers_for(self, name: str) -> frozenset:
        return self.names.get(name, frozenset())


@lru_cache(maxsize=1)
def std_header_map() -> StdHeaderMap:
    names: dict = {}
    closure: dict = {}
    for line in (QUERY_DIR / "cpp_std_headers.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("<"):
            head, _, rest = line.partition("=")
            closure[head.strip()[1:-1]] = frozenset(rest.split())
        else:
            name, *headers = line.split()
            names[name] = frozenset(headers)
    return StdHeaderMap(names, closure)


class _Span:
    """A byte range standing for a node in a :class:`Use` (``std::sort`` of ``std::sort<int>(..)``)."""

    __slots__ = ("start_byte", "end_byte", "start_point", "is_missing")

    def __init__(self, start: Node, end: Node):
        self.start_byte, self.end_byte, self.start_point = start.start_byte, end.end_byte, start.start_point
        self.is_missing = False


#: a use kind: ``std::X`` (the name ``std::X``), defined when an included header provides it
STD_QUALIFIED = 3

_CLASS_TYPES = frozenset(("class_specifier", "struct_specifier", "union_specifier"))
_FUNCTION_TYPES = frozenset(("function_definition",))
_SKIP = frozenset(
    ("comment", "string_literal", "raw_string_literal", "char_literal", "system_lib_string",
     "concatenated_string", "preproc_include", "preproc_call", "preproc_arg", "attribute_declaration",
     "attribute_specifier", "ms_declspec_modifier", "field_identifier", "namespace_identifier",
     "statement_identifier", "goto_statement", "break_statement", "continue_statement", "operator_name",
     "destructor_name", "field_designator", "static_assert_declaration", "requires_clause",
     "user_defined_literal", "number_literal", "primitive_type", "sized_type_specifier", "auto")
)
_DECLARATOR_WRAPPERS = frozenset(
    ("pointer_declarator", "reference_declarator", "array_declarator", "parenthesized_declarator",
     "attributed_declarator", "init_declarator", "variadic_declarator")
)


class _ClassInfo:
    __slots__ = ("members", "supers")

    def __init__(self):
        self.members: set[str] = set()
        self.supers: list[Optional[str]] = []  # None: a base this analysis cannot name


class _CppAnalyzer(Analyzer):
    IDENT_TYPES = frozenset(("identifier",))
    SKIP_TYPES = _SKIP
    LABEL_TYPE = "statement_identifier"

    def __init__(self, src: bytes, root: Node):
        super().__init__(src, root)
        self.using_std = False
        self.std_include = False
        self.std_headers: set[str] = set()  # the standard headers the file includes
        self.std_declared: set[str] = set()  # identifiers written inside the file's `namespace std { }`
        self.declared: set[str] = set()  # every name the file binds, in any scope (friends and members too)
        self.namespaces: set[str] = set()
        self.classes: dict[str, _ClassInfo] = {}
        self.file_scope: Optional[Scope] = None
        h = self.handlers
        for t in _CLASS_TYPES:
            h[t] = self._class
        h.update({
            "type_identifier": self._type_identifier,
            "function_definition": self._function,
            "template_declaration": self._template,
            "declaration": self._declaration,
            "field_declaration": self._field_declaration,
            "parameter_declaration": self._parameter,
            "optional_parameter_declaration": self._parameter,
            "variadic_parameter_declaration": self._parameter,
            "compound_statement": self._block,
            "for_statement": self._block, "if_statement": self._block, "while_statement": self._block,
            "switch_statement": self._block, "catch_clause": self._block,
            "for_range_loop": self._range_for,
            "lambda_expression": self._lambda,
            "lambda_capture_initializer": self._capture_init,
            "call_expression": self._call,
            "field_expression": self._field_expression,
            "qualified_identifier": self._qualified,
            "template_function": self._template_function,
            "template_type": self._template_type,
            "enum_specifier": self._enum,
            "namespace_definition": self._namespace,
            "using_declaration": self._using,
            "namespace_alias_definition": self._namespace_alias,
            "alias_declaration": self._alias,
            "type_definition": self._declaration,  # a typedef binds its declarators like a declaration
            "preproc_def": self._define,
            "preproc_if": self._preproc_conditional,
            "preproc_elif": self._preproc_conditional,
            "preproc_ifdef": self._preproc_conditional,
            "preproc_elifdef": self._preproc_conditional,
            "preproc_function_def": self._define,
            "field_initializer": self._field_initializer,
            "structured_binding_declarator": self._structured,
            "labeled_statement": self._labeled,
            "friend_declaration": self._friend,
        })

    # ------------------------------------------------------------------ pre-pass
    def collect(self) -> None:
        todo = [self.root]
        while todo:
            n = todo.pop()
            t = n.type
            if t == "preproc_include":
                path = n.child_by_field_name("path")
                p = self.text(path).strip()
                if path is not None and path.type == "system_lib_string" and p[1:-1].strip() in _STD_HEADERS:
                    self.std_include = True
                    self.std_headers.add(p[1:-1].strip())
                else:
                    self.report = False  # a header we know nothing about: anything may be declared
                continue
            if t == "preproc_function_def":
                self.report = False
            if t == "friend_declaration":  # a friend function is found by argument-dependent lookup only
                self._identifiers(n, self.declared)
            if t == "namespace_definition":
                nm = n.child_by_field_name("name")
                if nm is not None:
                    self.namespaces.add(self.text(nm))
                    if self.text(nm).split("::", 1)[0].strip() == "std":  # it may declare anything std::
                        self._identifiers(n, self.std_declared)
            if t in _CLASS_TYPES:
                name = n.child_by_field_name("name")
                body = n.child_by_field_name("body")
                if name is not None and body is not None:
                    info = self.classes.setdefault(self._simple(name), _ClassInfo())
                    self._members(n, body, info)
            todo.extend(n.named_children)
        for n in self.root.named_children:  # `using namespace X;` at file level, anywhere
            self._using_directive(n)

    def _using_directive(self, n: Node) -> None:
        if n.type == "using_declaration" and any(c.type == "namespace" for c in n.children):
            target = self.text(n.named_children[-1]) if n.named_children else ""
            target = target.replace(" ", "").lstrip(":")
            if target == "std" or target.startswith("std::"):
                self.using_std = True
            elif target.split("::")[0] not in self.namespaces:
                self.report = False

    def bind(self, node: Optional[Node], scope: Scope, pos: Optional[int] = None) -> None:
        super().bind(node, scope, pos)
        if node is not None:
            self.declared.add(self.text(node))

    def bind_name(self, name: str, scope: Scope, pos: int = -1) -> None:
        super().bind_name(name, scope, pos)
        self.declared.add(name)

    def _identifiers(self, node: Node, out: set) -> None:
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type.endswith("identifier") and n.type != "qualified_identifier":
                out.add(self.text(n))
            stack.extend(n.named_children)

    def _simple(self, name: Node) -> str:
        s = self.text(name)
        s = s.split("<", 1)[0]
        return s.rsplit("::", 1)[-1].strip()

    def _members(self, n: Node, body: Node, info: _ClassInfo) -> None:
        m = info.members
        m.add(self._simple(n.child_by_field_name("name")))
        for c in n.named_children:
            if c.type == "base_class_clause":
                for b in c.named_children:
                    if b.type in ("type_identifier", "template_type", "qualified_identifier"):
                        s = self.text(b)
                        info.supers.append(None if "::" in s else s.split("<", 1)[0].strip())
        for c in body.named_children:
            self._member_names(c, m)

    def _member_names(self, c: Node, m: set) -> None:
        t = c.type
        if t == "template_declaration":
            for x in c.named_children:
                if x.type not in ("template_parameter_list",):
                    self._member_names(x, m)
            return
        if t in ("field_declaration", "declaration", "function_definition", "type_definition"):
            for d in c.children_by_field_name("declarator"):
                nm = _declarator_name(d)
                if nm is not None:
                    m.add(self.text(nm))
            ty = c.child_by_field_name("type")
            if ty is not None and ty.type in _CLASS_TYPES | {"enum_specifier"}:
                self._member_names(ty, m)
        elif t in _CLASS_TYPES or t == "enum_specifier":
            nm = c.child_by_field_name("name")
            if nm is not None:
                m.add(self._simple(nm))
            if t == "enum_specifier":
                body = c.child_by_field_name("body")
                if body is not None:
                    for e in body.named_children:
                        if e.type == "enumerator":
                            en = e.child_by_field_name("name")
                            if en is not None:
                                m.add(self.text(en))
        elif t == "alias_declaration":
            nm = c.child_by_field_name("name")
            if nm is not None:
                m.add(self.text(nm))
        elif t == "using_declaration":
            if c.named_children:
                m.add(self.text(c.named_children[-1]).rsplit("::", 1)[-1].strip())
        elif t in ("preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "access_specifier"):
            for x in c.named_children:
                self._member_names(x, m)

    def _closure(self, name: str, seen: set) -> tuple[set[str], bool]:
        info = self.classes.get(name)
        if info is None:
            return set(), True
        members = set(info.members)
        open_ = False
        for s in info.supers:
            if s is None or s not in self.classes:
                open_ = True
            elif s not in seen:
                seen.add(s)
                m2, o2 = self._closure(s, seen)
                members |= m2
                open_ = open_ or o2
        return members, open_

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def decl_scope(scope: Scope) -> Scope:
        while scope.kind == "template" and scope.parent is not None:
            scope = scope.parent
        return scope

    def bind_declarator(self, d: Optional[Node], scope: Scope, value_scope: Scope, pos: Optional[int] = None) -> None:
        """Bind the name(s) a declarator declares; visit what it holds (array sizes, init
        values, default arguments)."""
        while d is not None:
            t = d.type
            if t in ("identifier", "type_identifier", "field_identifier"):
                self.bind(d, scope, pos)
                return
            if t == "structured_binding_declarator":
                for c in d.named_children:
                    if c.type == "identifier":
                        self.bind(c, scope, pos)
                return
            if t == "function_declarator":
                inner = d.child_by_field_name("declarator")
                if inner is not None and inner.type in ("identifier", "field_identifier", "parenthesized_declarator",
                                                        "pointer_declarator"):
                    if inner.type in ("identifier", "field_identifier"):
                        self.bind(inner, scope, pos)
                    else:
                        self.bind_declarator(inner, scope, value_scope, pos)
                ps = Scope(value_scope, ordered=False, kind="prototype")
                self.push(d.child_by_field_name("parameters"), ps)
                for c in d.named_children:
                    if c.type not in ("parameter_list",) and c != inner:
                        self.push(c, value_scope)
                return
            if t in _DECLARATOR_WRAPPERS:
                inner = d.child_by_field_name("declarator")
                for c in d.named_children:
                    if c == inner:
                        continue
                    if inner is None and c.type in ("identifier", "field_identifier", "structured_binding_declarator",
                                                    "pointer_declarator", "reference_declarator", "array_declarator",
                                                    "variadic_declarator",
                                                    "function_declarator", "parenthesized_declarator"):
                        inner = c
                        continue
                    self.push(c, value_scope)
                d = inner
                continue
            if t in ("qualified_identifier", "operator_name", "destructor_name", "template_function"):
                return
            self.push(d, value_scope)
            return

    # ------------------------------------------------------------------ handlers
    def _declaration(self, n: Node, scope: Scope) -> None:
        target = self.decl_scope(scope)
        for c in n.named_children:
            if n.field_name_for_named_child(_index(n, c)) == "declarator":
                self.bind_declarator(c, target, scope)
            else:
                self.push(c, scope)

    def _field_declaration(self, n: Node, scope: Scope) -> None:
        for c in n.named_children:
            if n.field_name_for_named_child(_index(n, c)) == "declarator":
                if c.type == "function_declarator":
                    ps = Scope(scope, ordered=False, kind="prototype")
                    self.push(c.child_by_field_name("parameters"), ps)
                    for x in c.named_children:
                        if x.type not in ("parameter_list", "field_identifier", "identifier", "operator_name",
                                          "destructor_name", "qualified_identifier"):
                            self.push(x, scope)
                else:
                    self.bind_declarator(c, Scope(scope, ordered=False, kind="prototype"), scope)
            else:
                self.push(c, scope)

    def _parameter(self, n: Node, scope: Scope) -> None:
        d = n.child_by_field_name("declarator")
        for c in n.named_children:
            if c == d:
                self.bind_declarator(c, scope, scope, -1)
            elif c.type in ("identifier",) and n.type == "variadic_parameter_declaration":
                self.bind(c, scope, -1)
            else:
                self.push(c, scope)

    def _function(self, n: Node, scope: Scope) -> None:
        target = self.decl_scope(scope)
        decl = n.child_by_field_name("declarator")
        fd = decl
        while fd is not None and fd.type != "function_declarator":
            # a reference return type (`T& get(..)`, `list& list::operator=(..)`): the grammar's
            # reference_declarator holds its declarator as a plain child, not a field
            inner = fd.child_by_field_name("declarator")
            if inner is None and fd.type == "reference_declarator":
                inner = next((c for c in fd.named_children if c.type.endswith("declarator")), None)
            fd = inner
        outer = scope
        # C++ has no nested functions: one written inside a block (an infill placed in a function
        # body) defines nothing a compiler accepts, so it must not resolve a use for the AST judge.
        nested = n.parent is not None and n.parent.type == "compound_statement"
        if fd is not None:
            name = fd.child_by_field_name("declarator")
            if name is not None and name.type == "identifier":
                if not nested:
                    self.bind(name, target)
            elif name is not None and name.type == "qualified_identifier":
                cls = name.child_by_field_name("scope")
                cname = self.text(cls).split("<", 1)[0].strip() if cls is not None else ""
                if cname in self.namespaces and cname not in self.classes:
                    pass
                else:
                    members, open_ = self._closure(cname, {cname})
                    outer = Scope(scope, ordered=False, kind="class", open_=open_)
                    for m in members:
                        outer.bind(m, -1)
        fs = Scope(outer, ordered=True, kind="function")
        if fd is not None:
            params = fd.child_by_field_name("parameters")
            self.push(params, fs)
            for c in fd.named_children:
                if c.type not in ("parameter_list", "identifier", "qualified_identifier", "field_identifier",
                                  "operator_name", "destructor_name", "template_function"):
                    self.push(c, fs)
            # wrappers around the function declarator (pointer return types): nothing to visit
        for c in n.named_children:
            if c == decl:
                continue
            self.push(c, fs)

    def _template(self, n: Node, scope: Scope) -> None:
        ts = Scope(scope, ordered=False, kind="template")
        for c in n.named_children:
            if c.type == "template_parameter_list":
                for p in c.named_children:
                    if p.type in ("type_parameter_declaration", "variadic_type_parameter_declaration"):
                        for x in p.named_children:
                            if x.type == "type_identifier":
                                self.bind(x, ts, -1)
                    elif p.type in ("optional_type_parameter_declaration", "template_template_parameter_declaration"):
                        nm = p.child_by_field_name("name")
                        if nm is not None:
                            self.bind(nm, ts, -1)
                        for x in p.named_children:
                            if x.type == "type_identifier" and nm is None:
                                self.bind(x, ts, -1)
                        dv = p.child_by_field_name("default_type")
                        self.push(dv, ts)
                    else:
                        self.push(p, ts)  # non-type parameters bind through _parameter
            else:
                self.push(c, ts)

    def _class(self, n: Node, scope: Scope) -> None:
        target = self.decl_scope(scope)
        name = n.child_by_field_name("name")
        body = n.child_by_field_name("body")
        if name is not None:
            if name.type == "type_identifier":
                self.bind(name, target, name.start_byte)
            else:
                self.push(name, scope)
        if body is None:
            return
        cname = self._simple(name) if name is not None else ""
        members, open_ = self._closure(cname, {cname}) if name is not None else (set(), False)
        cs = Scope(scope, ordered=False, kind="class", open_=open_)
        for m in members:
            cs.bind(m, -1)
        for c in n.named_children:
            if c == name:
                continue
            self.push(c, cs)

    def _enum(self, n: Node, scope: Scope) -> None:
        target = self.decl_scope(scope)
        name = n.child_by_field_name("name")
        if name is not None and name.type == "type_identifier":
            self.bind(name, target, name.start_byte)
        body = n.child_by_field_name("body")
        for c in n.named_children:
            if c == name:
                continue
            if c == body:
                todo = list(c.named_children)
                while todo:
                    e = todo.pop(0)
                    if e.type == "enumerator":
                        en = e.child_by_field_name("name")
                        self.bind(en, target)
                        self.push(e.child_by_field_name("value"), scope)
                    elif e.type in ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_else", "preproc_elifdef"):
                        # enumerators under #ifdef _WIN32 / #else: each branch's are the enum's
                        cond = {x.id for x in (e.child_by_field_name("condition"), e.child_by_field_name("name"))
                                if x is not None}
                        todo[:0] = [x for x in e.named_children if x.id not in cond]
                    else:
                        self.push(e, scope)
            else:
                self.push(c, scope)

    def _namespace(self, n: Node, scope: Scope) -> None:
        self.push(n.child_by_field_name("body"), scope)

    def _using(self, n: Node, scope: Scope) -> None:
        for c in n.named_children:
            if c.type == "qualified_identifier":
                self._std_use(c, scope)
        if any(c.type == "namespace" for c in n.children):
            return
        if n.named_children:
            last = n.named_children[-1]
            nm = self.text(last).rsplit("::", 1)[-1].strip()
            if nm.isidentifier():
                self.bind_name(nm, self.decl_scope(scope), n.end_byte)

    def _alias(self, n: Node, scope: Scope) -> None:
        name = n.child_by_field_name("name")
        self.bind(name, self.decl_scope(scope))
        self.children(n, scope, skip=(name,))

    def _define(self, n: Node, scope: Scope) -> None:
        name = n.child_by_field_name("name")
        if name is not None:
            self.bind(name, self.file_scope or scope, -1)

    def _range_for(self, n: Node, scope: Scope) -> None:
        s = Scope(scope, ordered=True)
        d = n.child_by_field_name("declarator")
        for c in n.named_children:
            if c == d:
                self.bind_declarator(c, s, s, -1)
            else:
                self.push(c, s)

    def _structured(self, n: Node, scope: Scope) -> None:
        for c in n.named_children:
            if c.type == "identifier":
                self.bind(c, scope)

    def _lambda(self, n: Node, scope: Scope) -> None:
        s = Scope(scope, ordered=True, kind="function")
        for c in n.named_children:
            if c.type == "abstract_function_declarator" or c.type == "lambda_declarator":
                self.children(c, s)
            else:
                self.push(c, s)

    def _capture_init(self, n: Node, scope: Scope) -> None:
        left = n.child_by_field_name("left")
        if left is not None:
            self.bind(left, scope, -1)
        self.push(n.child_by_field_name("right"), scope.parent or scope)

    def _call(self, n: Node, scope: Scope) -> None:
        fn = n.child_by_field_name("function")
        if fn is not None and fn.type == "identifier":
            self.use(fn, scope, CALL)
            self.children(n, scope, skip=(fn,))
        elif fn is not None and fn.type == "template_function":
            name = fn.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                self.use(name, scope, CALL)
            self.push(fn.child_by_field_name("arguments"), scope)
            self.children(n, scope, skip=(fn,))
        else:
            self.children(n, scope)

    def _field_expression(self, n: Node, scope: Scope) -> None:
        self.push(n.child_by_field_name("argument"), scope)

    def _qualified(self, n: Node, scope: Scope) -> None:
        """``a::b``: not checked, but for ``std::X`` (a :data:`STD_QUALIFIED` use of ``std::X``);
        template arguments inside are."""
        self._std_use(n, scope)
        todo = [n]
        while todo:
            x = todo.pop()
            for c in x.named_children:
                if c.type in ("template_type", "template_function", "template_method"):
                    self.push(c.child_by_field_name("arguments"), scope)
                elif c.type == "qualified_identifier":
                    todo.append(c)

    def _std_use(self, n: Node, scope: Scope) -> None:
        """Record ``std::X`` (also ``::std::X``, ``std::X<..>``, ``std::X::y``) as a use of ``std::X``."""
        if n.named_children and n.children[0].type == "::":  # ::std::X
            n = n.named_children[0]
            if n.type != "qualified_identifier":
                return
        elif n.parent is not None and n.parent.type in ("qualified_identifier", "nested_namespace_specifier"):
            return  # the tail of a longer name (a::std::X)
        if n.type == "nested_namespace_specifier":  # std::filesystem of a namespace alias
            parts = [c for c in n.named_children]
            head, x = (parts[0], parts[1]) if len(parts) >= 2 else (None, None)
            if x is not None and x.type == "nested_namespace_specifier":
                x = x.named_children[0] if x.named_children else None
        else:
            head, x = n.child_by_field_name("scope"), n.child_by_field_name("name")
        if head is None or head.type != "namespace_identifier" or self.text(head) != "std":
            return
        if x is not None and x.type == "qualified_identifier":
            x = x.child_by_field_name("scope")
        if x is not None and x.type in ("template_type", "template_function", "template_method"):
            x = x.child_by_field_name("name")
        if x is None or x.type not in ("identifier", "type_identifier", "namespace_identifier") or x.is_missing:
            return
        name = self.text(x)
        self.uses.append(Use(f"std::{name}", _Span(head, x), scope, STD_QUALIFIED, head.start_byte))

    def _namespace_alias(self, n: Node, scope: Scope) -> None:
        """``namespace fs = std::filesystem;``: a use of ``std::filesystem``."""
        for c in n.named_children:
            if c.type == "nested_namespace_specifier":
                self._std_use(c, scope)

    def _template_function(self, n: Node, scope: Scope) -> None:
        name = n.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            self.use(name, scope, VAR)
        self.push(n.child_by_field_name("arguments"), scope)

    def _template_type(self, n: Node, scope: Scope) -> None:
        name = n.child_by_field_name("name")
        if name is not None and name.type == "type_identifier":
            self.use(name, scope, TYPE)
        self.push(n.child_by_field_name("arguments"), scope)

    def _field_initializer(self, n: Node, scope: Scope) -> None:
        self.push_all((c for c in n.named_children if c.type != "field_identifier"), scope)

    def _friend(self, n: Node, scope: Scope) -> None:
        # `friend class Helper;` declares Helper: its name is no use
        self.push_all((c for c in n.named_children if c.type != "type_identifier"),
                      Scope(scope, ordered=False, kind="prototype"))

    def _preproc_conditional(self, n: Node, scope: Scope) -> None:
        """``#if``/``#elif``/``#ifdef``: the condition names macros, defined or not (an undefined one
        is 0 there), so it holds no use; the code under it is walked."""
        skip = {c.id for c in (n.child_by_field_name("condition"), n.child_by_field_name("name")) if c is not None}
        self.push_all((c for c in n.named_children if c.id not in skip), scope)

    # ------------------------------------------------------------------ outside the file
    def in_template(self, scope: Optional[Scope]) -> bool:
        while scope is not None:
            if scope.kind == "template":
                return True
            scope = scope.parent
        return False

    def external(self, u) -> bool:
        name = u.name
        if u.kind == STD_QUALIFIED:
            return self.std_provided(name[5:])
        if name.startswith("__") or (name.startswith("_") and name[1:2].isupper()) or name in _BUILTINS:
            return True
        if u.kind == CALL and self.file_scope is not None and name in self.file_scope.names and self.in_template(u.scope):
            return True  # two-phase lookup: found at instantiation
        if not self.std_include:
            return False
        if name.isupper() or (name[:1].isupper() and "_" in name and name.replace("_", "").isupper()):
            return True  # a macro
        if name in C_GLOBALS:
            return True
        if name in STD_NAMES or name in std_header_map().names:  # the map adds C++20's (midpoint, span...)
            if self.using_std:
                return not self._bare_std_missing(name)
            if u.kind == CALL:
                return True
            return name not in STD_REPORTABLE
        return False

    def _bare_std_missing(self, name: str) -> bool:
        """Under ``using namespace std;``: the bare ``name`` is a std name no included header
        provides, and nothing in the file may declare it -- no binding of it in any scope (a class
        member, a friend function argument-dependent lookup finds, a local the scopes do not
        reach), no parse error (an ``ERROR`` may declare anything), and not a C library name (the C
        headers declare those in the global namespace too, whatever std has)."""
        if name in self.declared or self.root.has_error or name in self.std_declared:
            return False
        headers = std_header_map().headers_for(name)
        if not headers or any(h.startswith("c") or h.endswith(".h") for h in headers):
            return False
        if any(name in info.members for info in self.classes.values()):
            return False
        return not self.std_provided(name)


    def std_provided(self, name: str) -> bool:
        """Whether ``std::name`` may be declared: a name the libstdc++ map does not know (or the
        file declares in its own ``namespace std``), a header the map does not know among the
        includes, or an included header (through what it includes) that provides it."""
        if name in self.std_declared:
            return True
        m = std_header_map()
        need = m.headers_for(name)
        if not need:
            return True
        have = m.available(self.std_headers)
        return have is None or bool(need & have)


def _index(parent: Node, child: Node) -> int:
    for i, c in enumerate(parent.named_children):
        if c.id == child.id:
            return i
    return -1


def _declarator_name(d: Optional[Node]) -> Optional[Node]:
    """The identifier a (member) declarator declares, through pointers/references/arrays/
    function declarators; None for operators, destructors, qualified names."""
    while d is not None:
        t = d.type
        if t in ("identifier", "field_identifier", "type_identifier"):
            return d
        if t == "function_declarator" or t in _DECLARATOR_WRAPPERS:
            inner = d.child_by_field_name("declarator")
            if inner is None:
                inner = next((c for c in d.named_children if c.type.endswith("identifier") or c.type.endswith("declarator")), None)
            d = inner
            continue
        return None
    return None


class CppSpec(CLikeSpec):
    """The C++ :class:`~jumpcoder_lsp.languages.base.LanguageSpec` (tree-sitter-cpp)."""

    name = "cpp"
    flavor = "cpp"
    language = CPP_LANGUAGE
    _FUNCTION_TYPES = _FUNCTION_TYPES
    _MEMBER_LIST_TYPES = frozenset(("field_declaration_list",))
    _FIELD_TYPES = frozenset(("declaration",))
    _FIELD_SCOPES = frozenset(("translation_unit", "declaration_list"))
    _MODIFIERS = frozenset("static inline constexpr virtual explicit extern friend const consteval".split())
    _PREFIX_LINE_RE = re.compile(r"^\s*(?:template\s*<.*>\s*$|\[\[.*\]\]\s*$)")
    _IMPORT_RE = re.compile(r"^\s*(?:#\s*include\b|using\s+namespace\s+[\w:]+\s*;|using\s+std::\w+\s*;|import\s+[\w.:<>\"]+\s*;)")
    _HEADER_RE = re.compile(r"^\s*#\s*(?:pragma|define|ifndef|ifdef|if|endif|else|elif|undef)\b")
    _BLOCK_RE = re.compile(r"^\s*(?:\}\s*)?(?:if|else|for|while|do|switch|try|catch)\b")

    def _analyze(self, src: bytes, root: Node) -> Analyzer:
        an = _CppAnalyzer(src, root)
        file_scope = Scope(None, ordered=True, kind="file")
        an.file_scope = file_scope
        an.collect()
        an.run(file_scope)
        return an

    def _function_start(self, node: Node) -> Node:
        p = node.parent
        while p is not None and p.type == "template_declaration":
            node, p = p, p.parent
        return node

    #: ``import_line``: the line after the last ``#include`` (or ``using namespace``) of the file's
    #: top; a header guard, ``#pragma``/``#define`` lines and comments may sit among them, but
    #: alone they do not move the position (0 when there is no include)
    _HEADER_IS_ANCHOR = False
    _INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
    _PREAMBLE_RE = re.compile(r"^\s*#\s*(?:pragma\s+once|ifndef|define\s+\w+\s*$)")

    def _import_entry(self, line: str, row: int) -> Optional[ImportEntry]:
        """Keys: the header's name; ``<...>`` and ``"..."`` includes are separate groups."""
        m = self._INCLUDE_RE.match(line)
        if not m:
            return None
        return ImportEntry(row, row, (m.group(2).strip().lower(),), 0 if m.group(1) == "<" else 1)

