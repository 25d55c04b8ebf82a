# stochdiff naive estimator for optimizer_choice.sd
# streams (each draws independently of the others):
#   s1: E[opt] at line 7: draws opt ~ choice
def estimate(P, D, S, C, F):
    v0 = P['theta']                                           # 2:7 param theta
    v1 = C[0]                                                 # 3:7 const a = 2
    v2 = C[1]                                                 # 4:7 const c = 1
    v3 = S.draw(1, 0, 'choice_labelled', (('gd', 'newton'), (0.5, 0.5)), ())  # 6:1 stream s1: draw opt for E[opt]
    v4 = C[2]                                                 # 7:30 0.1
    v5 = C[3]                                                 # 5:12 0.5
    v6 = k_mul(v5, v1, 1)                                     # 5:12 mul
    v7 = k_sub(v0, v2, 1)                                     # 5:23 sub
    v8 = C[0]                                                 # 5:32 2
    v9 = k_pow(v7, v8, 1)                                     # 5:22 pow
    v10 = k_mul(v6, v9, 1)                                    # 5:12 mul
    v11 = k_seed(v10, 1)                                      # 7:36 seed
    v14 = k_mul(v11, v6, 1)                                   # 5:12 mul
    v15 = k_unbroadcast(v14, v9, 1)                           # 5:12 unbroadcast
    v16 = k_mul(v8, v7, 1)                                    # 5:22 mul
    v17 = k_mul(v15, v16, 1)                                  # 5:22 mul
    v18 = k_unbroadcast(v17, v7, 1)                           # 5:22 unbroadcast
    v19 = k_unbroadcast(v18, v0, 1)                           # 5:23 unbroadcast
    v22 = k_densify(v19, v0, 1)                               # 7:36 densify
    v23 = k_mul(v4, v22, 1)                                   # 7:30 mul
    v24 = k_div(v22, v1, 1)                                   # 7:69 div
    v25 = k_select(v3, (lift(v23, 1, 2), lift(v24, 1, 2),), 2)  # 7:12 match gd, newton
    v26 = S.mean(v25, 1)                                      # 7:5 average over stream s1 (E[opt], line 7)
    v27 = k_sub(v0, v26, 1)                                   # 8:17 sub
    v28 = k_sub(v27, v5, 1)                                   # 8:17 sub
    v29 = k_pow(v28, v8, 1)                                   # 8:16 pow
    v30 = k_mul(v5, v29, 1)                                   # 8:10 mul
    v31 = k_seed(v30, 1)                                      # 8:1 seed
    v34 = k_mul(v31, v5, 1)                                   # 8:10 mul
    v35 = k_unbroadcast(v34, v29, 1)                          # 8:10 unbroadcast
    v36 = k_mul(v8, v28, 1)                                   # 8:16 mul
    v37 = k_mul(v35, v36, 1)                                  # 8:16 mul
    v38 = k_unbroadcast(v37, v28, 1)                          # 8:16 unbroadcast
    v39 = k_unbroadcast(v38, v27, 1)                          # 8:17 unbroadcast
    v42 = k_unbroadcast(v39, v0, 1)                           # 8:17 unbroadcast
    v43 = k_neg(v39, 1)                                       # 8:17 neg
    v44 = k_unbroadcast(v43, v26, 1)                          # 8:17 unbroadcast
    v45 = k_select_mask(lift(v44, 1, 2), v3, 0, 2)            # 7:12 select_mask
    v46 = k_select_mask(lift(v44, 1, 2), v3, 1, 2)            # 7:12 select_mask
    v47 = S.mean(v46, 1)                                      # 7:5 average over stream s1 (E[opt], line 7)
    v48 = k_div(v47, v1, 1)                                   # 7:69 div
    v49 = k_unbroadcast(v48, v22, 1)                          # 7:69 unbroadcast
    v54 = S.mean(v45, 1)                                      # 7:5 average over stream s1 (E[opt], line 7)
    v57 = k_mul(v54, v4, 1)                                   # 7:30 mul
    v58 = k_unbroadcast(v57, v22, 1)                          # 7:30 unbroadcast
    v59 = k_add(v49, v58, 1)                                  # 7:36 add
    v60 = k_broadcast_to(v59, v18, 1)                         # 5:23 broadcast_to
    v61 = k_broadcast_to(v60, v17, 1)                         # 5:22 broadcast_to
    v64 = k_mul(v61, v15, 1)                                  # 5:22 mul
    v65 = k_unbroadcast(v64, v16, 1)                          # 5:22 unbroadcast
    v68 = k_mul(v65, v8, 1)                                   # 5:22 mul
    v69 = k_unbroadcast(v68, v7, 1)                           # 5:22 unbroadcast
    v75 = k_unbroadcast(v69, v0, 1)                           # 5:23 unbroadcast
    v78 = k_add(v42, v75, 1)                                  # 2:7 add
    v79 = k_densify(v78, v0, 1)                               # 8:1 densify
    return (v30, v79,)
