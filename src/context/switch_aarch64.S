// The stack-switch primitive of the native context backend on aarch64 (AAPCS64); the C side is
// context_native.c. The body assembles only for aarch64, so the build can list every switch_*.S.
//
//   void* spool_switch_stacks(void** save_sp, void* load_sp, void* transfer);
//
// Saves the callee-saved registers x19-x30 and d8-d15 in a 160-byte frame, stores sp into
// *save_sp, loads sp = load_sp, restores the same layout and returns `transfer` (in x0) to
// x30 of the stack it switched to. The saved frame, lowest address first (8-byte slots):
//
//   [0..9] x19-x28   [10] x29 (fp)   [11] x30 (lr)   [12..19] d8-d15
//
// spool_context_make() builds that frame on a fresh stack with x30 = spool_context_bootstrap,
// x20 = the context, x19 = the C trampoline to call and x29 = 0.
#if defined(__aarch64__)

	.text

	.p2align 4
	.globl spool_switch_stacks
	.hidden spool_switch_stacks
	.type spool_switch_stacks, %function
spool_switch_stacks:
	.cfi_startproc
	hint #34  // bti c
	sub sp, sp, #160
	.cfi_def_cfa_offset 160
	stp x19, x20, [sp, #0]
	.cfi_offset x19, -160
	.cfi_offset x20, -152
	stp x21, x22, [sp, #16]
	.cfi_offset x21, -144
	.cfi_offset x22, -136
	stp x23, x24, [sp, #32]
	.cfi_offset x23, -128
	.cfi_offset x24, -120
	stp x25, x26, [sp, #48]
	.cfi_offset x25, -112
	.cfi_offset x26, -104
	stp x27, x28, [sp, #64]
	.cfi_offset x27, -96
	.cfi_offset x28, -88
	stp x29, x30, [sp, #80]
	.cfi_offset x29, -80
	.cfi_offset x30, -72
	stp d8, d9, [sp, #96]
	.cfi_offset d8, -64
	.cfi_offset d9, -56
	stp d10, d11, [sp, #112]
	.cfi_offset d10, -48
	.cfi_offset d11, -40
	stp d12, d13, [sp, #128]
	.cfi_offset d12, -32
	.cfi_offset d13, -24
	stp d14, d15, [sp, #144]
	.cfi_offset d14, -16
	.cfi_offset d15, -8

	mov x9, sp
	str x9, [x0]
	mov sp, x1
	// From here on the frame is the resumed stack's, saved with the same layout (so the CFI
	// above still describes it).

	ldp x19, x20, [sp, #0]
	ldp x21, x22, [sp, #16]
	ldp x23, x24, [sp, #32]
	ldp x25, x26, [sp, #48]
	ldp x27, x28, [sp, #64]
	ldp x29, x30, [sp, #80]
	ldp d8, d9, [sp, #96]
	ldp d10, d11, [sp, #112]
	ldp d12, d13, [sp, #128]
	ldp d14, d15, [sp, #144]
	add sp, sp, #160
	.cfi_def_cfa_offset 0
	.cfi_restore x19
	.cfi_restore x20
	.cfi_restore x21
	.cfi_restore x22
	.cfi_restore x23
	.cfi_restore x24
	.cfi_restore x25
	.cfi_restore x26
	.cfi_restore x27
	.cfi_restore x28
	.cfi_restore x29
	.cfi_restore x30
	.cfi_restore d8
	.cfi_restore d9
	.cfi_restore d10
	.cfi_restore d11
	.cfi_restore d12
	.cfi_restore d13
	.cfi_restore d14
	.cfi_restore d15
	mov x0, x2
	ret
	.cfi_endproc
	.size spool_switch_stacks, .-spool_switch_stacks

// Where the first switch to a made context returns to: sp is 16-byte aligned here, x0 holds the
// context switched away from, x20 this context and x19 the trampoline, which never returns.
// The return address is marked undefined so unwinders stop here: this is the outermost frame.
// The nop puts the start of this CFI range before the symbol: unwinders look up a return
// address minus one, and the fresh frame's return address is the symbol itself.
	.p2align 4
	.globl spool_context_bootstrap
	.hidden spool_context_bootstrap
	.type spool_context_bootstrap, %function
	.cfi_startproc
	.cfi_undefined x30
	nop
spool_context_bootstrap:
	hint #34  // bti c
	mov x1, x0
	mov x0, x20
	blr x19
	brk #0x1
	.cfi_endproc
	.size spool_context_bootstrap, .-spool_context_bootstrap

// Built with -mbranch-protection: say so, or the linker drops BTI/PAC for the whole binary.
#if defined(__ARM_FEATURE_BTI_DEFAULT) || defined(__ARM_FEATURE_PAC_DEFAULT)
#if defined(__ARM_FEATURE_BTI_DEFAULT)
#define SPOOL_GNU_PROPERTY_BTI 1
#else
#define SPOOL_GNU_PROPERTY_BTI 0
#endif
#if defined(__ARM_FEATURE_PAC_DEFAULT)
#define SPOOL_GNU_PROPERTY_PAC 2
#else
#define SPOOL_GNU_PROPERTY_PAC 0
#endif
	.pushsection .note.gnu.property, "a"
	.balign 8
	.long 4                   // name size ("GNU\0")
	.long 16                  // descriptor size
	.long 5                   // NT_GNU_PROPERTY_TYPE_0
	.asciz "GNU"
	.long 0xc0000000          // GNU_PROPERTY_AARCH64_FEATURE_1_AND
	.long 4
	.long (SPOOL_GNU_PROPERTY_BTI | SPOOL_GNU_PROPERTY_PAC)
	.long 0
	.popsection
#endif

#endif

#if defined(__linux__) && defined(__ELF__)
	.section .note.GNU-stack, "", %progbits
#endif
